package aws

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// lightDelete is the option of every DeleteObjects call coop makes: its
// answer is read by decodeDeleteObjects (see lightdecode.go). Servers
// that ignore quiet mode (versitygw among them) name every key deleted:
// 1,000 elements an answer.
func (s *Store) lightDelete(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, swapDecoder(&s.bodies, func(b []byte, charged s3types.RequestCharged) (any, bool) {
		out := &s3.DeleteObjectsOutput{RequestCharged: charged}
		return out, decodeDeleteObjects(b, out, true)
	}))
}

type deletedKey struct{ key, version, marker, markerVersion span }

type refusedKey struct{ code, key, message, version span }

// decodeDeleteObjects reads a DeleteObjects answer into out as the SDK's
// decoder would, or reports that it cannot (see listxml.go). Without
// deleted, the keys it names as deleted are passed over, not read:
// out.Deleted stays empty, and only the refused keys are read, as the
// SDK reads them. Store.DeleteObjects reads nothing else; a server that
// ignores quiet mode names every key of a batch (about 200 KB of
// copies and slices an answer of 1,000, all for nothing).
func decodeDeleteObjects(b []byte, out *s3.DeleteObjectsOutput, deleted bool) bool {
	s := xmlScan{b: b}
	if deleted {
		s.arena = make([]byte, 0, len(b)/4)
	}
	root, ok := s.root()
	if !ok || root.kind == tokEOF {
		return ok
	}
	var (
		removed []deletedKey
		refused []refusedKey
	)
	ok = s.children(root.name, root.empty, func(n []byte, empty bool) bool {
		switch {
		case fold(n, "Deleted") && deleted:
			var d deletedKey
			ok := s.children(n, empty, func(c []byte, empty bool) bool {
				switch {
				case fold(c, "DeleteMarker"):
					return s.field(&d.marker, c, empty)
				case fold(c, "DeleteMarkerVersionId"):
					return s.field(&d.markerVersion, c, empty)
				case fold(c, "Key"):
					return s.field(&d.key, c, empty)
				case fold(c, "VersionId"):
					return s.field(&d.version, c, empty)
				}
				return s.skip(c, empty)
			})
			removed = append(removed, d)
			return ok
		case fold(n, "Error"):
			var e refusedKey
			ok := s.children(n, empty, func(c []byte, empty bool) bool {
				switch {
				case fold(c, "Code"):
					return s.field(&e.code, c, empty)
				case fold(c, "Key"):
					return s.field(&e.key, c, empty)
				case fold(c, "Message"):
					return s.field(&e.message, c, empty)
				case fold(c, "VersionId"):
					return s.field(&e.version, c, empty)
				}
				return s.skip(c, empty)
			})
			refused = append(refused, e)
			return ok
		}
		return s.skip(n, empty)
	})
	if !ok {
		return false
	}
	pb := pageBuilder{text: string(s.arena), ok: true}
	if removed != nil {
		out.Deleted = make([]s3types.DeletedObject, len(removed))
		for i, d := range removed {
			out.Deleted[i] = s3types.DeletedObject{Key: pb.str(d.key), VersionId: pb.str(d.version),
				DeleteMarker: pb.bool(d.marker), DeleteMarkerVersionId: pb.str(d.markerVersion)}
		}
	}
	if refused != nil {
		out.Errors = make([]s3types.Error, len(refused))
		for i, e := range refused {
			out.Errors[i] = s3types.Error{Code: pb.str(e.code), Key: pb.str(e.key), Message: pb.str(e.message), VersionId: pb.str(e.version)}
		}
	}
	return pb.ok
}
