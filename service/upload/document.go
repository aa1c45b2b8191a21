package upload

import (
	"archive/zip"
	"bytes"
)

// The documents staff may upload, by the part that names each Office format's main document.
var officeMains = []struct{ part, contentType, ext string }{
	{"word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
	{"xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
	{"ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
}

// maxDocumentParts bounds the central directory read: Office writes a few dozen parts.
const maxDocumentParts = 2000

// sniffDocument names a PDF or an Office Open XML document from its content and structure, or
// returns "" for anything else. A PDF starts with its header and ends with an end-of-file
// marker (within the last kilobyte, as readers allow). An Office file is a ZIP whose directory
// lists [Content_Types].xml and its format's main part; only the directory is read, nothing is
// inflated, so a ZIP bomb costs nothing here. The legacy binary formats (.doc, .xls) are
// refused: they carry macros and are what converters produce the new ones from anyway.
func sniffDocument(data []byte) (contentType, ext string) {
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		tail := data[max(0, len(data)-1024):]
		if bytes.Contains(tail, []byte("%%EOF")) {
			return "application/pdf", "pdf"
		}
		return "", ""
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return "", ""
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) > maxDocumentParts {
		return "", ""
	}
	parts := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		parts[f.Name] = true
	}
	if !parts["[Content_Types].xml"] {
		return "", ""
	}
	for _, m := range officeMains {
		if parts[m.part] {
			return m.contentType, m.ext
		}
	}
	return "", ""
}

// IsImage reports whether a stored upload is an image (shown inline) rather than a document
// (downloaded).
func IsImage(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/webp":
		return true
	}
	return false
}
