package upload_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"lectern"
)

// TestUploadNameOfPublished: an upload under the name of a deposit that
// was published (its file moved into media storage: the name is free on
// disk, not in the store) is a new deposit under a name of its own; the
// published treatment is left alone.
func TestUploadNameOfPublished(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	r := b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("record.mp4", bytes.NewReader(randomBytes(t, 1000))))
	want(t, r, http.StatusCreated)
	first := decodeAnswer(t, r)
	if ok, err := b.treatments.TransitionTreatment(b.ctx, first.Treatment.ID, first.Treatment.State, lectern.TreatmentPublished, nil); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := os.Rename(first.File, filepath.Join(t.TempDir(), "source.mp4")); err != nil {
		t.Fatal(err)
	}

	r = b.postForm(t, b.staff, field("recorder", fmt.Sprint(b.rec.ID)), file("record.mp4", bytes.NewReader(randomBytes(t, 2000))))
	want(t, r, http.StatusCreated)
	second := decodeAnswer(t, r)
	if second.File != filepath.Join(b.root, "room", "record-2.mp4") || second.Treatment == nil ||
		second.Treatment.ID == first.Treatment.ID || second.Treatment.State != lectern.TreatmentToClaim || second.FileSize != 2000 {
		t.Fatalf("second upload: %s", r.body)
	}
	if old, err := b.treatments.FindTreatmentByID(b.ctx, first.Treatment.ID); err != nil || old.State != lectern.TreatmentPublished || old.File != first.File {
		t.Fatalf("published treatment changed: %+v %v", old, err)
	}
	if n := b.treatmentCount(t); n != 2 {
		t.Fatalf("%d treatments, want 2", n)
	}
}
