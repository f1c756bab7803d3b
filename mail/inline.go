package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"regexp"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Pictures travel in the outbox inside the HTML part, as data URLs, so
// that a stored message is whole and the outbox page shows it as it is.
// Many mail clients (Gmail, Outlook) refuse data URLs, so the sender
// moves each into an inline part of a multipart/related message, which
// the HTML then names by its Content-ID (cid:), as every client shows.

// dataImage is a picture the templates inline: src="data:image/…;base64,…"
// as html/template writes it (it may write "+" and "=" as "&#43;" and
// "&#61;"). Text from a recorder or a file name cannot forge it: the
// templates escape its quotes.
var dataImage = regexp.MustCompile(`src="data:(image/(?:jpeg|png));base64,((?:[A-Za-z0-9+/=]|&#[0-9]+;)+)"`)

// inlinePicture is one data URL moved out of the HTML.
type inlinePicture struct {
	cid, contentType string
	data             []byte
}

// inlinePictures replaces the data-URL pictures of body with cid: URLs,
// their Content-IDs made unique with id (the message's), and returns
// the pictures. A data URL that does not decode is left as it is.
func inlinePictures(body, id string) (string, []inlinePicture) {
	var pics []inlinePicture
	out := dataImage.ReplaceAllStringFunc(body, func(m string) string {
		sub := dataImage.FindStringSubmatch(m)
		data, err := base64.StdEncoding.DecodeString(html.UnescapeString(sub[2]))
		if err != nil {
			return m
		}
		p := inlinePicture{cid: fmt.Sprintf("picture%d.%s", len(pics)+1, id), contentType: sub[1], data: data}
		pics = append(pics, p)
		return `src="cid:` + p.cid + `"`
	})
	return out, pics
}

// embedPictures adds the pictures to msg as inline parts.
func embedPictures(msg *gomail.Msg, pics []inlinePicture) error {
	for _, p := range pics {
		ext := ".jpg"
		if p.contentType == "image/png" {
			ext = ".png"
		}
		name := strings.SplitN(p.cid, ".", 2)[0] + ext
		if err := msg.EmbedReader(name, bytes.NewReader(p.data), gomail.WithFileContentID("<"+p.cid+">"),
			gomail.WithFileContentType(gomail.ContentType(p.contentType))); err != nil {
			return fmt.Errorf("inline picture %s: %w", name, err)
		}
	}
	return nil
}
