package avc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern/avc"
)

func TestParseSMIL(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name string
		smil string
		want avc.Presentation
	}{
		{"AudioVideoCours: DOCTYPE, namespace, slides in links", lectureSMIL, avc.Presentation{
			Title: "MediaCours", Media: "enregistrement-video.mp4",
			Slides: []avc.Slide{{"screenshots/D1.jpg", 0}, {"screenshots/D2.png", 12500 * ms}},
		}},
		{"no namespace, no DOCTYPE", `<smil><body><par>
			<img src="a.jpg" begin="3"/><video src="v.mp4"/></par></body></smil>`, avc.Presentation{
			Media: "v.mp4", Slides: []avc.Slide{{"a.jpg", 3 * time.Second}},
		}},
		{"prefixed namespace", `<s:smil xmlns:s="http://www.w3.org/ns/SMIL"><s:body><s:par>
			<s:img src="a.jpg" begin="1s"/><s:audio src="sound.mp3"/></s:par></s:body></s:smil>`, avc.Presentation{
			Media: "sound.mp3", Audio: true, Slides: []avc.Slide{{"a.jpg", time.Second}},
		}},
		{"DOCTYPE with an internal subset, no entity", `<?xml version="1.0"?>
			<!DOCTYPE smil [ <!ELEMENT smil ANY> ]>
			<smil><video src="v.mp4"/></smil>`, avc.Presentation{Media: "v.mp4"}},
		{"audio preferred over an earlier video", smilDoc(`<video src="camera.mp4"/>
			<img src="a.jpg" begin="0"/><audio src="enregistrement-micro.mp3"/><audio src="second.mp3"/>`), avc.Presentation{
			Title: "MediaCours", Media: "enregistrement-micro.mp3", Audio: true, Slides: []avc.Slide{{"a.jpg", 0}},
		}},
		{"first video with a src", `<smil><video/><video src=" "/><video src=" first.mp4 "/><video src="second.mp4"/></smil>`,
			avc.Presentation{Media: "first.mp4"}},
		{"audio without src ignored", `<smil><audio src=""/><video src="v.mp4"/></smil>`,
			avc.Presentation{Media: "v.mp4"}},
		{"every clock format, missing begin is 0", `<smil><par>
			<img src="0.jpg"/>
			<img src="1.jpg" begin="12"/>
			<img src="2.jpg" begin="12.5"/>
			<img src="3.jpg" begin="12s"/>
			<img src="4.jpg" begin="1.5min"/>
			<img src="5.jpg" begin="2h"/>
			<img src="6.jpg" begin="500ms"/>
			<img src="7.jpg" begin="00:01:02.5"/>
			<img src="8.jpg" begin="01:02.5"/>
			<img src="9.jpg" begin=" "/>
			<video src="v.mp4"/></par></smil>`, avc.Presentation{
			Media: "v.mp4", Slides: []avc.Slide{
				{"0.jpg", 0}, {"1.jpg", 12 * time.Second}, {"2.jpg", 12500 * ms}, {"3.jpg", 12 * time.Second},
				{"4.jpg", 90 * time.Second}, {"5.jpg", 2 * time.Hour}, {"6.jpg", 500 * ms},
				{"7.jpg", 62500 * ms}, {"8.jpg", 62500 * ms}, {"9.jpg", 0},
			},
		}},
		{"out of order slides kept in SMIL order", `<smil><img src="b.jpg" begin="20"/><img src="a.jpg" begin="10"/><video src="v.mp4"/></smil>`,
			avc.Presentation{Media: "v.mp4", Slides: []avc.Slide{{"b.jpg", 20 * time.Second}, {"a.jpg", 10 * time.Second}}}},
		{"title and date from meta", `<smil><head>
			<meta name="Title" content="  Physique   quantique, cours 3 "/>
			<meta name="title" content="second"/>
			<meta name="date" content="2024-03-12T14:00:00+01:00"/>
			<title>not this one</title></head><body><video src="v.mp4"/></body></smil>`, avc.Presentation{
			Title: "Physique quantique, cours 3", Date: "2024-03-12T14:00:00+01:00", Media: "v.mp4",
		}},
		{"Dublin Core metadata", `<smil><head><meta name="DC.title" content="Cours"/><meta name="dc:date" content="12/03/2024"/></head>
			<body><video src="v.mp4"/></body></smil>`, avc.Presentation{Title: "Cours", Date: "12/03/2024", Media: "v.mp4"}},
		{"title from head title", `<smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><title>
			Cours de
			physique &eacute;l&eacute;mentaire</title></head><body><title>not this</title><video src="v.mp4"/></body></smil>`,
			avc.Presentation{Title: "Cours de physique élémentaire", Media: "v.mp4"}},
		{"ISO-8859-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<smil><head><meta name=\"title\" content=\"Cours d'\xe9conomie\"/></head><video src=\"caf\xe9.mp4\"/></smil>",
			avc.Presentation{Title: "Cours d'économie", Media: "café.mp4"}},
		{"Windows-1252", "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<smil><head><meta name=\"title\" content=\"L\x92\xe9t\xe9 \x80\"/></head><video src=\"v.mp4\"/></smil>",
			avc.Presentation{Title: "L’été €", Media: "v.mp4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := avc.ParseSMIL(strings.NewReader(tc.smil))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tc.want, p); diff != "" {
				t.Errorf("ParseSMIL (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSMILRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, smil, msg string
	}{
		{"entity declaration", `<?xml version="1.0"?><!DOCTYPE smil [<!ENTITY t "Cours">]><smil><video src="v.mp4"/></smil>`,
			"declares an XML entity"},
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">
			<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;">]><smil><video src="&lol2;"/></smil>`, "declares an XML entity"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE smil [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><smil><video src="&xxe;"/></smil>`,
			"declares an XML entity"},
		{"parameter entity", `<!DOCTYPE smil [<!ENTITY % p SYSTEM "http://example.org/p.dtd"> %p;]><smil><video src="v.mp4"/></smil>`,
			"declares an XML entity"},
		{"undeclared entity", `<smil><video src="&xxe;"/></smil>`, "is not well-formed XML"},
		{"not XML", `this is not a SMIL file`, "names no media"},
		{"unclosed element", `<smil><body><video src="v.mp4"/></smil>`, "is not well-formed XML"},
		{"two roots garbage", `<smil><video src="v.mp4"/></smil><`, "is not well-formed XML"},
		{"invalid UTF-8", "<smil><video src=\"v\xff.mp4\"/></smil>", "is not well-formed XML"},
		{"unknown encoding", `<?xml version="1.0" encoding="Shift_JIS"?><smil><video src="v.mp4"/></smil>`, `is written in "Shift_JIS"`},
		{"no media", smilDoc(`<img src="a.jpg" begin="0"/>`), "names no media"},
		{"empty", ``, "names no media"},
		{"img without src", `<smil><img begin="3"/><video src="v.mp4"/></smil>`, "has an <img> (number 1) without src"},
		{"negative begin", `<smil><img src="a.jpg" begin="0"/><img src="b.jpg" begin="-5"/><video src="v.mp4"/></smil>`,
			`gives slide 2 ("b.jpg") a begin that is not a time: "-5" is negative`},
		{"NaN begin", `<smil><img src="a.jpg" begin="NaN"/><video src="v.mp4"/></smil>`, `"NaN" is not a time`},
		{"absurd begin", `<smil><img src="a.jpg" begin="1e308"/><video src="v.mp4"/></smil>`, `"1e308" is not a time`},
		{"begin over 48 hours", `<smil><img src="a.jpg" begin="200:00:00"/><video src="v.mp4"/></smil>`, "more than 48 hours"},
		{"event begin", `<smil><img src="a.jpg" begin="v.begin+5s"/><video src="v.mp4"/></smil>`, "is not a time"},
		{"too large", `<smil><video src="v.mp4"/>` + strings.Repeat(" ", avc.MaxSMILSize) + `</smil>`, "is larger than 4 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := avc.ParseSMIL(strings.NewReader(tc.smil))
			if err == nil {
				t.Fatalf("ParseSMIL = %+v, want an error", p)
			}
			wantInvalid(t, err, tc.msg)
			if !strings.HasPrefix(err.Error(), "parse SMIL: The SMIL file ") {
				t.Errorf("error %q, want it to start with the operation and the file", err)
			}
		})
	}
}
