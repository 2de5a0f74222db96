package backend

import (
	"mime"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// SniffLen is how much of an object's head decides its content type.
const SniffLen = 3072

// DetectContentType names the MIME type of the object at p from its first
// bytes (up to SniffLen), falling back to p's extension when the content
// says nothing more specific than binary data or plain text.
func DetectContentType(head []byte, p string) string {
	m := mimetype.Detect(head).String()
	if m == "application/octet-stream" || strings.HasPrefix(m, "text/plain") {
		if byExt := mime.TypeByExtension(path.Ext(p)); byExt != "" {
			return byExt
		}
	}
	return m
}

// GenericContentType reports whether a content type a store gave says
// nothing: none, or the generic type S3 servers answer for objects stored
// without one.
func GenericContentType(ct string) bool {
	return ct == "" || ct == "binary/octet-stream" || ct == "application/octet-stream"
}
