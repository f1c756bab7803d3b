package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"strings"
)

// makeArchive writes an audiovideocast archive as recorders do:
// lecture/cours.smil, the media stored (size bytes that do not compress,
// like a video's) and slides JPEG slides of 1280x720, stored.
func makeArchive(name string, size int64, slides int) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := zip.NewWriter(bw)

	var smil strings.Builder
	smil.WriteString(`<?xml version="1.0"?>
<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 2.0//EN" "http://www.w3.org/2001/SMIL20/SMIL20.dtd">
<smil xmlns="http://www.w3.org/2001/SMIL20/Language">
<head><meta name="title" content="MediaCours"/></head>
<body><par>
`)
	for i := range slides {
		fmt.Fprintf(&smil, "<a href=\"screenshots/D%d.jpg\" external=\"true\"><img begin=\"%d.%02d\" region=\"Images\" src=\"screenshots/D%d.jpg\"/></a>\n",
			i+1, i*30, i%100, i+1)
	}
	smil.WriteString("<video region=\"Video\" src=\"enregistrement-video.mp4\"/>\n</par></body></smil>\n")
	if err := add(w, "lecture/cours.smil", zip.Deflate, []byte(smil.String())); err != nil {
		return err
	}

	mw, err := w.CreateHeader(&zip.FileHeader{Name: mediaName, Method: zip.Store})
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		for i := 0; i < len(buf); i += 8 {
			v := r.Uint64()
			for k := range 8 {
				buf[i+k] = byte(v >> (8 * k))
			}
		}
		n := int64(len(buf))
		if left < n {
			n = left
		}
		if _, err := mw.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}

	for i := range slides {
		var img bytes.Buffer
		if err := jpeg.Encode(&img, slide(i), &jpeg.Options{Quality: 85}); err != nil {
			return err
		}
		if err := add(w, fmt.Sprintf("lecture/screenshots/D%d.jpg", i+1), zip.Store, img.Bytes()); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func add(w *zip.Writer, name string, method uint16, data []byte) error {
	fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}

// slide is a 1280x720 picture, different for each i.
func slide(i int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	for y := range 720 {
		for x := range 1280 {
			img.Set(x, y, color.RGBA{uint8(x/5 + i*40), uint8(y/3 + i*20), uint8((x + y) / 8), 255})
		}
	}
	return img
}
