// The verifier page's camera scan: only where the browser offers a
// BarcodeDetector that reads QR codes; elsewhere the photo upload works.
(async () => {
  if (!('BarcodeDetector' in window)) return;
  const formats = await BarcodeDetector.getSupportedFormats();
  if (!formats.includes('qr_code')) return;
  const detector = new BarcodeDetector({ formats: ['qr_code'] });
  const camera = document.getElementById('camera');
  const video = document.getElementById('video');
  const text = document.getElementById('text');
  camera.hidden = false;
  document.getElementById('scan').addEventListener('click', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const tick = async () => {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length > 0) {
        stream.getTracks().forEach((t) => t.stop());
        text.value = codes[0].rawValue;
        document.getElementById('verify').submit();
        return;
      }
      setTimeout(tick, 250);
    };
    tick();
  });
})();
