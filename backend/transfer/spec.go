package transfer

import (
	"fmt"

	"github.com/coopterm/coop/backend"
)

// checkSpec refuses a Spec that can never run.
func checkSpec(s Spec) error {
	if err := backend.ValidateRef(s.Repo); err != nil {
		return err
	}
	if s.Policy < Ask || s.Policy > Skip {
		return fmt.Errorf("%w conflict policy %d", backend.ErrInvalid, s.Policy)
	}
	tree := s.Kind == UploadTree || s.Kind == DownloadTree || s.Kind == DeleteTree
	switch s.Kind {
	case UploadFile, UploadTree:
		if err := backend.ValidatePath(s.Remote, tree); err != nil {
			return fmt.Errorf("upload to %s/%s: %w", s.Repo, s.Remote, err)
		}
	case DownloadFile, DownloadTree, DeleteFile, DeleteTree:
		if err := backend.ValidateReadPath(s.Remote, tree); err != nil {
			return fmt.Errorf("%s %s/%s: %w", s.Kind, s.Repo, s.Remote, err)
		}
	default:
		return fmt.Errorf("%w job kind %d", backend.ErrInvalid, s.Kind)
	}
	if c := s.Confirmed; c != nil && (s.Kind != DeleteTree || !c.sealed) {
		return fmt.Errorf("%w %s: a confirmed set is for a folder delete, sealed", backend.ErrInvalid, s.Kind)
	}
	if s.Object != nil && s.Kind != DownloadFile && s.Kind != DeleteFile {
		return fmt.Errorf("%w %s: a known object is for a file download or delete", backend.ErrInvalid, s.Kind)
	}
	if pf := s.Prefetch; pf != nil && (s.Kind != DownloadFile && s.Kind != DownloadTree || pf.list.repo != s.Repo || pf.list.folder != s.Remote) {
		return fmt.Errorf("%w %s: a prefetch is for a download of the path it lists", backend.ErrInvalid, s.Kind)
	}
	if l := s.Listing; l != nil && (s.Kind != DeleteTree || s.Confirmed != nil || l.repo != s.Repo || l.folder != s.Remote) {
		// A confirmed delete is limited to what its count listed: an
		// earlier listing could miss some of that.
		return fmt.Errorf("%w %s: a listing is for an unconfirmed delete of its own folder", backend.ErrInvalid, s.Kind)
	}
	if s.Kind != DeleteFile && s.Kind != DeleteTree && s.Local == "" {
		return fmt.Errorf("%w %s: no local path", backend.ErrInvalid, s.Kind)
	}
	return nil
}
