package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "verifyproof:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("verifyproof", flag.ContinueOnError)
	key := fs.String("key", "", "the log's verifier key, as the operator publishes it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *key == "" {
		return errors.New("usage: verifyproof -key VERIFIER_KEY proof.json")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	msg, err := verify(data, *key)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, msg)
	return nil
}

// proof is the JSON of a write or an access proof.
type proof struct {
	Event  *uint64 `json:"event"` // set in a write proof
	N      *uint64 `json:"n"`     // set in an access proof
	Record []byte  `json:"record"`
	Salt   []byte  `json:"salt"`
	Proof  string  `json:"proof"`
}

// verify checks a proof with the verifier key alone and says what it
// established.
func verify(data []byte, vkey string) (string, error) {
	var p proof
	if err := json.Unmarshal(data, &p); err != nil {
		return "", err
	}
	// 1. The commitment: SHA-256(tag || 0x00 || salt || record).
	kind, tag := byte(2), "candor/v1/commitment/access"
	if p.Event != nil {
		kind, tag = 1, "candor/v1/commitment/write"
	}
	h := sha256.New()
	h.Write([]byte(tag + "\x00"))
	h.Write(p.Salt)
	h.Write(p.Record)
	commitment := h.Sum(nil)

	// 2. The tlog-proof: a header, the entry, its index, the hashes, an
	// empty line and the checkpoint.
	head, cpText, ok := strings.Cut(p.Proof, "\n\n")
	lines := strings.Split(head, "\n")
	if !ok || len(lines) < 3 || lines[0] != "c2sp.org/tlog-proof@v1" ||
		!strings.HasPrefix(lines[1], "extra ") || !strings.HasPrefix(lines[2], "index ") {
		return "", errors.New("not a c2sp.org/tlog-proof@v1 with an entry")
	}
	entry, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		return "", err
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[2], "index "), 10, 64)
	if err != nil {
		return "", err
	}
	var path tlog.RecordProof
	for _, l := range lines[3:] {
		b, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(b) != tlog.HashSize {
			return "", fmt.Errorf("hash line %q", l)
		}
		path = append(path, tlog.Hash(b))
	}

	// 3. The checkpoint, signed by the log's key: origin, size, root.
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return "", err
	}
	n, err := note.Open([]byte(cpText), note.VerifierList(v))
	if err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	body := strings.Split(n.Text, "\n")
	if len(body) < 3 || body[0] != v.Name() {
		return "", errors.New("checkpoint: not of this log")
	}
	size, err := strconv.ParseInt(body[1], 10, 64)
	if err != nil {
		return "", err
	}
	root, err := base64.StdEncoding.DecodeString(body[2])
	if err != nil || len(root) != tlog.HashSize {
		return "", errors.New("checkpoint: bad root")
	}

	// 4. The entry is in the tree: its leaf hash, up the path, is the root.
	if err := tlog.CheckRecord(path, size, tlog.Hash(root), index, tlog.RecordHash(entry)); err != nil {
		return "", fmt.Errorf("entry %d is not in the tree of size %d: %w", index, size, err)
	}

	// 5. The entry is a bundle of commitments of the right kind holding
	// ours: version 1, kind, seq(8), part(4), count(2), count × 32 bytes.
	if len(entry) < 16 || entry[0] != 1 || entry[1] != kind {
		return "", errors.New("the entry is not a bundle of that kind")
	}
	count := int(binary.BigEndian.Uint16(entry[14:]))
	if len(entry) != 16+32*count {
		return "", errors.New("the entry is not a well-formed bundle")
	}
	for i := range count {
		if bytes.Equal(entry[16+32*i:48+32*i], commitment) {
			return fmt.Sprintf("OK: commitment %x is in log entry %d, in the checkpointed tree of %d entries of %s", commitment, index, size, v.Name()), nil
		}
	}
	return "", fmt.Errorf("entry %d does not hold commitment %x", index, commitment)
}
