package keyfile

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Read returns the contents of the key file at path. It refuses a file
// whose mode lets its group or others read it, naming the mode and the
// fix. A missing file is an error that errors.Is fs.ErrNotExist.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %v lets others read it; chmod 600 it", path, fi.Mode().Perm())
	}
	return io.ReadAll(io.LimitReader(f, maxKeyFile))
}

// Create writes data to a new key file at path, mode 0600 (its directory
// made 0700 if missing), and syncs it. It never replaces a file: an
// existing one is an error that errors.Is fs.ErrExist. A file it could not
// write whole is removed.
func Create(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// LoadOrCreatePKCS8 reads the private key in the key file at path (a PEM
// "PRIVATE KEY", PKCS #8) with Read, or, if there is no file, creates it
// with Create from a key generate returns. It returns the parsed key; the
// caller checks its type. Errors name path.
func LoadOrCreatePKCS8(path string, generate func() (any, error)) (any, error) {
	data, err := Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = create(path, generate)
	}
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// create writes a fresh key from generate to a new key file at path.
func create(path string, generate func() (any, error)) ([]byte, error) {
	priv, err := generate()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := Create(path, data); err != nil {
		return nil, err
	}
	return data, nil
}

// maxKeyFile bounds what Read reads: a key file is a line or a PEM block.
const maxKeyFile = 64 << 10
