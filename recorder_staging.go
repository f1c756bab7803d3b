package lectern

import (
	"path"
	"strings"
)

// StagingFolder is the folder, at the top of each recorder's directory,
// where the Opencast ingest keeps the media packages between an agent's
// calls (package opencast): their files and state, which Lectern trusts.
// The recorder logs in to FTP and SFTP with the same credentials as its
// agent, so those servers hide the folder and refuse any path into it
// (Reserved): a recorder that could write there could rewrite a package's
// state, plant its files, or make folders named after another recorder's
// events.
const StagingFolder = ".opencast"

// Reserved reports whether rel, a slash-separated path relative to a
// recorder's directory, is in its StagingFolder (or is it), which the
// recorder's FTP and SFTP sessions may neither see nor touch. A
// recorder's directory is no recorder's business when its name differs
// only by case on a case-insensitive file system: the comparison ignores
// case.
func Reserved(rel string) bool {
	rel = strings.TrimPrefix(path.Clean("/"+rel), "/")
	first, _, _ := strings.Cut(rel, "/")
	return strings.EqualFold(first, StagingFolder)
}
