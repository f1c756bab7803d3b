package lectern_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/locale"
)

// A log mixing lines written before entries had keys (free text, one
// continued over several lines) and entries with keys reads back whole,
// each entry in the reader's language, the old lines as they are.
func TestRecordingLog(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 9, 45, 12, 0, time.UTC)
	moved := lectern.NewLogEntry("source_moved", "videos/7/source.mp4")
	moved.At = at
	failed := lectern.NewLogEntry("encoding_failed", 1, 3).WithDetail("[mov,mp4] moov atom not found\nsource.mp4: Invalid data")
	failed.At = at.Add(time.Minute)
	slides := lectern.NewLogEntry("slides_imported", 1).WithCount(1)
	slides.At = at.Add(2 * time.Minute)
	refused := lectern.NewLogEntry("video_refused", "Select a valid recorder.")
	refused.At = at.Add(3 * time.Minute)
	unknown := lectern.NewLogEntry("from_a_newer_version", "x", "y")
	unknown.At = at.Add(4 * time.Minute)
	comment := "2026-11-30 09:59:00 moved by hand, see ticket 42\nthe second line of it\n" +
		"2026-11-30 10:00:00 video 1 created\n" +
		"2026-11-30 10:00:05 encoding failed (attempt 1 of 3, retried later): exit status 1\nffmpeg said: nope\n" +
		"2026-11-30 10:00:06 {not json\n"
	for _, e := range []lectern.RecordingLogEntry{moved, failed, slides, refused, unknown} {
		comment += e.Line() + "\n"
	}
	list := lectern.ParseRecordingLog(comment)
	if len(list) != 9 {
		t.Fatalf("%d entries: %+v", len(list), list)
	}
	if list[0].Raw != "moved by hand, see ticket 42\nthe second line of it" || list[0].Key != "" ||
		!list[0].At.Equal(time.Date(2026, 11, 30, 9, 59, 0, 0, time.UTC)) {
		t.Errorf("an old line of no job, continued: %+v", list[0])
	}
	if list[1].Key != "video_created" || !list[1].At.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("an old line of the jobs: %+v", list[1])
	}
	if list[2].Key != "encoding_failed" || list[2].Detail != "exit status 1\nffmpeg said: nope" {
		t.Errorf("an old failure with ffmpeg's lines: %+v", list[2])
	}
	if list[3].Raw != "{not json" {
		t.Errorf("a line that is not an entry: %+v", list[3])
	}
	if list[5].Detail != failed.Detail || !list[5].At.Equal(failed.At) {
		t.Errorf("detail read back as %+v", list[5])
	}
	en, fr := locale.NewPrinter("en"), locale.NewPrinter("fr")
	for _, tc := range []struct {
		e      lectern.RecordingLogEntry
		en, fr string
	}{
		{list[0], "moved by hand, see ticket 42\nthe second line of it", "moved by hand, see ticket 42\nthe second line of it"},
		{list[1], "Video 1 created", "Vidéo 1 créée"},
		{list[4], "Source moved to videos/7/source.mp4", "Source déplacée vers videos/7/source.mp4"},
		{list[5], "Encoding failed (attempt 1 of 3, retried later). The encoder said:",
			"Échec de l’encodage (tentative 1 sur 3, nouvel essai plus tard). L’encodeur a dit :"},
		{list[6], "1 slide imported", "1 diapositive importée"},
		{list[7], "No video made: Select a valid recorder.", "Aucune vidéo créée : " + fr.Error("Select a valid recorder.")},
		{list[8], "from_a_newer_version x y", "from_a_newer_version x y"},
	} {
		if got := tc.e.Text(en); got != tc.en {
			t.Errorf("%s in English: %q, want %q", tc.e.Key, got, tc.en)
		}
		if got := tc.e.Text(fr); got != tc.fr {
			t.Errorf("%s in French: %q, want %q", tc.e.Key, got, tc.fr)
		}
	}
	text := lectern.RecordingLogText(comment, fr)
	for _, want := range []string{"2026-11-30 10:00:00 Vidéo 1 créée\n", "2026-12-06 09:45:12 Source déplacée vers videos/7/source.mp4\n",
		"L’encodeur a dit :\n[mov,mp4] moov atom not found\nsource.mp4: Invalid data\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if got := lectern.ParseRecordingLog(""); len(got) != 0 {
		t.Errorf("empty log: %+v", got)
	}
}

// Every key the jobs write (NewLogEntry("key", ...), or key = "...") is
// in both catalogs, and every key of the catalogs is written.
func TestRecordingLogKeysTranslated(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("jobs/*.go")
	written := regexp.MustCompile(`NewLogEntry\("([a-zA-Z0-9_]+)"|key :?= "([a-zA-Z0-9_]+)"|key :?= "[^"]*", "([a-zA-Z0-9_]+)"`)
	n, seen := 0, map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range written.FindAllStringSubmatch(string(b), -1) {
			key := "recording.log." + m[1] + m[2] + m[3]
			n++
			seen[key] = true
			for _, lang := range locale.Languages {
				if !locale.Has(lang, key) {
					t.Errorf("%s writes %s, which %s.json lacks", f, key, lang)
				}
			}
		}
	}
	if n < 25 {
		t.Errorf("found only %d log keys in jobs/: the scan is broken", n)
	}
	for _, k := range locale.Keys(locale.Default) {
		if strings.HasPrefix(k, "recording.log.") && !seen[k] {
			t.Errorf("%s is never written", k)
		}
	}
}

// Every line the jobs wrote before entries had keys (main's phrasing) is
// read back into its entries, its arguments in place.
func TestRecordingLogLegacyLines(t *testing.T) {
	t.Parallel()
	fr := locale.NewPrinter("fr")
	for old, want := range map[string]string{
		`recordings of type "mystery" cannot be processed`: "Les enregistrements de type « mystery » ne peuvent pas être traités",
		"video 12 created":                                   "Vidéo 12 créée",
		"no video made: This field is required.":             "Aucune vidéo créée : " + fr.Error("This field is required."),
		"source file /r/a.mp4 is missing: nothing to encode": "Le fichier source /r/a.mp4 est introuvable : rien à encoder",
		"encoding queued":                                    "Encodage mis en file d’attente",
		"encoding queued again by an admin":                  "Encodage remis en file d’attente par un administrateur",
		"source moved to videos/3/source.mp4":                "Source déplacée vers videos/3/source.mp4",
		"source copied to videos/3/source.mp4 (another file system), then removed from the recorder's directory":           "Source copiée vers videos/3/source.mp4 (autre système de fichiers), puis supprimée du dossier de l’enregistreur",
		"source copied to videos/3/source.mp4 (another file system); the original could not be removed: permission denied": "Source copiée vers videos/3/source.mp4 (autre système de fichiers) ; l’original n’a pas pu être supprimé :\npermission denied",
		"source found moved to videos/3/source.mp4":                                        "Source trouvée déjà déplacée vers videos/3/source.mp4",
		"source checked: video 640x360 with sound, 2s":                                     "Source vérifiée : vidéo 640x360 avec son, 2s",
		"source checked: video 640x360 without sound, 2s":                                  "Source vérifiée : vidéo 640x360 sans son, 2s",
		"source checked: sound only, 1m0s":                                                 "Source vérifiée : son seul, 1m0s",
		"not processed: bad zip (the file is kept where it was; fix it and retry the job)": "Non traité : bad zip (le fichier reste où il était ; corrigez-le puis relancez la tâche)",
		`archive checked: media v/c.mp4, 3 slides, title "Optique \"1\"", recorded "mardi" (not a date Lectern reads: the video has no lecture date)`: "Archive vérifiée : média v/c.mp4, 3 diapositives\nTitre de l’archive : « Optique \"1\" »\nDate d’enregistrement de l’archive : « mardi » (Lectern ne la lit pas comme une date : la vidéo n’a pas de date de cours)",
		`archive checked: media v/c.mp4, 1 slides, recorded "2024-03-12"`:                                                                             "Archive vérifiée : média v/c.mp4, 1 diapositive\nDate d’enregistrement de l’archive : « 2024-03-12 »",
		"media v/c.mp4 (1234 bytes) extracted to videos/3/media.mp4":                                                                                  "Média v/c.mp4 (1234 octets) extrait vers videos/3/media.mp4",
		"3 slides imported": "3 diapositives importées",
		"3 slides imported (the first skipped: RECORDER_SKIP_FIRST_IMAGE)": "3 diapositives importées (la première ignorée : RECORDER_SKIP_FIRST_IMAGE)",
		"archive renamed c.zip_treated":                                    "Archive renommée c.zip_treated",
		"thumbnail not taken: no picture":                                  "Vignette non prise : no picture",
		"thumbnail taken again at 1.25s":                                   "Vignette reprise à 1.25s",
		"encoding started (attempt 2)":                                     "Encodage commencé (tentative 2)",
		"encoded: 3 renditions, duration 2s":                               "Encodée : 3 rendus, durée 2s",
		"encoding cancelled by an admin":                                   "Encodage annulé par un administrateur",
		"encoding interrupted by a shutdown at 37%; it starts again from the beginning on the next node free (another node at once, or this one when it restarts)": "Encodage interrompu par un arrêt à 37 % ; il reprend depuis le début sur le prochain nœud libre (un autre nœud tout de suite, ou celui-ci à son redémarrage)",
		"encoding failed (attempt 5 of 5, no more retries: an admin may retry it): exit 1\nmoov":                                                                   "Échec de l’encodage (tentative 5 sur 5, plus de nouvel essai : un administrateur peut le relancer). L’encodeur a dit :\nexit 1\nmoov",
		"encoding failed: not media (the source is kept)":                                                                                                          "Échec de l’encodage : not media (la source est conservée)",
	} {
		got := strings.TrimSuffix(lectern.RecordingLogText("2026-11-30 10:00:00 "+old+"\n", fr), "\n")
		got = strings.ReplaceAll(got, "\n2026-11-30 10:00:00 ", "\n")
		if got != "2026-11-30 10:00:00 "+want {
			t.Errorf("%q in French:\n%s\nwant\n2026-11-30 10:00:00 %s", old, got, want)
		}
	}
}
