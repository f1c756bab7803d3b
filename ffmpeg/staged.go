package ffmpeg

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"lectern"
)

// workDir is where an encode writes each step's files before it renames
// them into place: a rendition is in its final name only when whole, so
// a killed encode never leaves a half file under a name a player is
// offered (and web serves no name starting with a dot).
const workDir = ".work"

// remuxSourceName names a remux that is not one of the ladder's rungs
// (the source is larger, or its bitrate far above the top rung's): it
// is offered first, then dropped when the ladder is done.
const remuxSourceName = "original"

// remuxBitrateFactor is how far above the top rung's maxrate a source's
// bitrate may be and still be the top rung as it is.
const remuxBitrateFactor = 1.5

// plan is how a video is encoded: an optional remux, then passes of
// ffmpeg, each one decode for its rungs, offered as each pass ends.
type plan struct {
	remux    *output // the source as it is; nil when not browser-ready (or OnePass)
	remuxTop bool    // the remux is the ladder's top rung, kept at the end
	passes   [][]output
	skipped  string // why the source is not (or not kept as) a rendition
}

// planFor chooses the steps for s:
//
//   - OnePass: one ffmpeg for every rung, as before the remux (a
//     benchmark's baseline, or a deployment's choice);
//   - a browser-ready source (Source.BrowserReady) is first remuxed; it
//     is the top rung when it is within the top rung's box and its
//     bitrate at most remuxBitrateFactor × the rung's maxrate, and the
//     lower rungs are encoded in one pass; else every rung is encoded in
//     one pass and the remux dropped at the end;
//   - another source gets its lowest rung first, alone (the video is
//     watchable after the cheapest encode), then the others in a second
//     pass: one decode of the source more than a single pass (its CPU
//     cost not measured yet): in one ffmpeg every rung moves at the
//     pace of the slowest, so the lowest could not end first.
//
// Without a ready callback (Encode) nobody is offered a remux that is
// not the top rung: it is not made.
func (r *Runner) planFor(s *Source, outs []output, staged bool) plan {
	if r != nil && r.OnePass {
		return plan{passes: [][]output{outs}}
	}
	ok, why := s.BrowserReady()
	if !ok {
		if len(outs) == 1 || !staged {
			return plan{passes: [][]output{outs}, skipped: why}
		}
		return plan{passes: [][]output{outs[:1], outs[1:]}, skipped: why}
	}
	top := outs[len(outs)-1]
	rm := output{Rung: top.Rung, W: s.Width, H: s.Height}
	rm.VideoBitrate, rm.AudioBitrate = s.videoBitrate(), s.audioBitrate
	switch {
	case s.Width > top.Width || s.Height > top.Height:
		why = fmt.Sprintf("its picture %dx%d is larger than %s's %dx%d", s.Width, s.Height, top.Name, top.Width, top.Height)
	case rm.VideoBitrate <= 0:
		why = "its bitrate is unknown"
	case float64(rm.VideoBitrate) > remuxBitrateFactor*float64(top.VideoBitrate):
		why = fmt.Sprintf("its bitrate %s is above %.1f × %s's %s", formatBitrate(rm.VideoBitrate), remuxBitrateFactor, top.Name, formatBitrate(top.VideoBitrate))
	default:
		p := plan{remux: &rm, remuxTop: true}
		if len(outs) > 1 {
			p.passes = [][]output{outs[:len(outs)-1]}
		}
		return p
	}
	if !staged {
		return plan{passes: [][]output{outs}, skipped: why}
	}
	rm.Name = remuxSourceName
	return plan{remux: &rm, passes: [][]output{outs}, skipped: why}
}

// videoBitrate is the picture's bitrate: the stream's, else the file's
// less the sound's.
func (s *Source) videoBitrate() int {
	if s.pic.bitrate > 0 || s.Duration <= 0 {
		return s.pic.bitrate
	}
	size, err := fileSize(s.path)
	if err != nil {
		return 0
	}
	return max(0, int(float64(size)*8/s.Duration)-s.audioBitrate)
}

// made is one rendition written: its MP4, its HLS media playlist, and
// what the master playlist says of it.
type made struct {
	o       output
	mp4     lectern.Rendition
	hls     lectern.Rendition
	variant variant
}

// stagedVideo is one video's encode under way.
type stagedVideo struct {
	r       *Runner
	dir     string
	s       *Source
	set     settings
	outs    []output // the ladder's rungs this source gets
	plan    plan
	made    []made
	ready   func(*lectern.EncodeResult) error
	hasThmb bool
}

func (r *Runner) encodeVideo(ctx context.Context, dir string, s *Source, set settings, progress func(float64), ready func(*lectern.EncodeResult) error) (*lectern.EncodeResult, error) {
	name := s.name()
	outs := set.ladder.outputs(s.Width, s.Height)
	e := &stagedVideo{r: r, dir: dir, s: s, set: set, outs: outs, plan: r.planFor(s, outs, ready != nil), ready: ready}
	if err := e.prepare(); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	// Progress: a remux reads the file once (a twentieth of the time),
	// each pass weighs its rungs' pixels plus one decode.
	weights := []float64{}
	if e.plan.remux != nil {
		weights = append(weights, 0.05*float64(s.Width*s.Height+1))
	}
	for _, pass := range e.plan.passes {
		w := float64(s.Width * s.Height)
		for _, o := range pass {
			w += float64(o.W * o.H)
		}
		weights = append(weights, w)
	}
	total := 0.0
	for _, w := range weights {
		total += w
	}
	done, step := 0.0, 0
	span := func() func(float64) {
		from, width := done/total*100, weights[step]/total*100
		done += weights[step]
		step++
		return func(p float64) { progress(from + p*width/100) }
	}

	if rm := e.plan.remux; rm != nil {
		if err := e.remux(ctx, *rm, span()); err != nil {
			return nil, fmt.Errorf("encode %s: remux: %w", name, err)
		}
		if err := e.publish(ctx, false); err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
	}
	for i, pass := range e.plan.passes {
		if err := e.encode(ctx, pass, span()); err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
		if err := e.publish(ctx, i == len(e.plan.passes)-1); err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
	}
	res, err := e.result(true)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	_ = os.RemoveAll(filepath.Join(dir, workDir)) // empty but for strays
	progress(100)
	return res, nil
}

// prepare makes the working directory and hls/, removing what an
// earlier attempt left there: the work directory, and the HLS files of
// renditions this encode does not make (a changed ladder). Those it
// makes stay until renamed over: a player may be reading them (an
// admin's encode-again, a restart after the remux was offered).
func (e *stagedVideo) prepare() error {
	if err := os.RemoveAll(filepath.Join(e.dir, workDir)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(e.dir, workDir, hlsDir), 0o755); err != nil {
		return err
	}
	hls := filepath.Join(e.dir, hlsDir)
	if err := os.MkdirAll(hls, 0o755); err != nil {
		return err
	}
	keep := map[string]bool{}
	if e.plan.remux != nil {
		keep[e.plan.remux.Name] = true
	}
	for _, pass := range e.plan.passes {
		for _, o := range pass {
			keep[o.Name] = true
		}
	}
	entries, err := os.ReadDir(hls)
	if err != nil {
		return err
	}
	for _, de := range entries {
		base, _, _ := strings.Cut(de.Name(), ".")
		if keep[base] || de.Name() == masterName {
			continue
		}
		if err := os.RemoveAll(filepath.Join(hls, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

// remux copies the source's streams, no decode, into <name>.mp4 (index
// at the front) and an HLS media playlist over one fMP4 file, segments
// cut at the source's keyframes near every keyframeSeconds.
func (e *stagedVideo) remux(ctx context.Context, o output, progress func(float64)) error {
	s := e.s
	maps := []string{"-map", fmt.Sprintf("0:%d", s.video)}
	if s.HasAudio {
		maps = append(maps, "-map", fmt.Sprintf("0:%d", s.audio))
	}
	var args []string
	args = append(args, maps...)
	args = append(args, "-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", workDir+"/"+o.Name+".mp4")
	args = append(args, maps...)
	args = append(args, "-c", "copy", "-map_metadata", "-1", "-f", "hls", "-hls_time", fmt.Sprint(keyframeSeconds),
		"-hls_playlist_type", "vod", "-hls_segment_type", "fmp4", "-hls_flags", "single_file",
		workDir+"/"+hlsDir+"/"+o.Name+".m3u8")
	pw := newProgressWriter(s.Duration, progress)
	if err := e.r.runLong(ctx, e.dir, s, args, e.r.encodeTimeout(s.Duration), pw); err != nil {
		return err
	}
	return e.land(o)
}

// encode runs one ffmpeg for outs (one decode) and lands each rung.
func (e *stagedVideo) encode(ctx context.Context, outs []output, progress func(float64)) error {
	args := rungArgs(e.s, e.set, outs, workDir+"/")
	pw := newProgressWriter(e.s.Duration, progress)
	if err := e.r.runLong(ctx, e.dir, e.s, args, e.r.encodeTimeout(e.s.Duration), pw); err != nil {
		return err
	}
	for _, o := range outs {
		if err := e.land(o); err != nil {
			return err
		}
	}
	return nil
}

// land moves rendition o from the work directory into place, its media
// files first and its playlist last, and records it.
func (e *stagedVideo) land(o output) error {
	work := filepath.Join(e.dir, workDir)
	pl := o.Name + ".m3u8"
	entries, err := os.ReadDir(filepath.Join(work, hlsDir))
	if err != nil {
		return err
	}
	for _, de := range entries {
		if base, _, _ := strings.Cut(de.Name(), "."); base == o.Name && de.Name() != pl {
			if err := os.Rename(filepath.Join(work, hlsDir, de.Name()), filepath.Join(e.dir, hlsDir, de.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.Rename(filepath.Join(work, hlsDir, pl), filepath.Join(e.dir, hlsDir, pl)); err != nil {
		return err
	}
	mp4 := o.Name + ".mp4"
	if err := os.Rename(filepath.Join(work, mp4), filepath.Join(e.dir, mp4)); err != nil {
		return err
	}
	size, err := fileSize(filepath.Join(e.dir, mp4))
	if err != nil {
		return err
	}
	ab := o.AudioBitrate
	if !e.s.HasAudio {
		ab = 0
	}
	m := made{o: o, mp4: lectern.Rendition{Name: o.Name, Kind: lectern.RenditionMP4, Path: mp4, Width: o.W, Height: o.H,
		VideoBitrate: o.VideoBitrate, AudioBitrate: ab, Size: size, State: lectern.RenditionReady}}
	p, err := readMediaPlaylist(filepath.Join(e.dir, hlsDir), pl)
	if err != nil {
		return err
	}
	m.hls = m.mp4
	m.hls.Kind, m.hls.Path, m.hls.Size = lectern.RenditionHLS, hlsDir+"/"+pl, p.size
	m.variant = variant{uri: pl, width: o.W, height: o.H, playlist: p}
	e.made = append(e.made, m)
	slices.SortStableFunc(e.made, func(a, b made) int { return cmp.Compare(a.o.H, b.o.H) })
	return nil
}

// publish writes the master playlist over what is made, the thumbnail
// (once) and, at the end, the poster; then tells ready, unless last
// (the caller stores the whole result).
func (e *stagedVideo) publish(ctx context.Context, last bool) error {
	if last && e.plan.remux != nil && !e.plan.remuxTop {
		// The ladder's own top rung replaces the remux.
		// Its files stay until the result is stored (EncodeResult.Stale):
		// a player may be reading them.
		e.made = slices.DeleteFunc(e.made, func(m made) bool { return m.o.Name == remuxSourceName })
	}
	at := e.s.Duration / 10
	if e.s.Duration >= 2 {
		at = max(at, 1)
	}
	if !e.hasThmb {
		// The lists' thumbnail, as small as the lowest rung, from the
		// first rendition made.
		if err := e.r.Thumbnail(ctx, filepath.Join(e.dir, e.made[0].mp4.Path), filepath.Join(e.dir, thumbnailName), at, e.outs[0].W); err != nil {
			return err
		}
	}
	if !e.hasThmb || last {
		// The player's poster: the same moment, as large as the
		// rendition the player starts with, from the largest made.
		outs := make([]output, len(e.made))
		for i, m := range e.made {
			outs[i] = m.o
		}
		poster := posterOutput(outs)
		if err := e.r.Thumbnail(ctx, filepath.Join(e.dir, e.made[len(e.made)-1].mp4.Path),
			filepath.Join(e.dir, lectern.PosterName(thumbnailName)), at, poster.W); err != nil {
			return fmt.Errorf("poster: %w", err)
		}
	}
	e.hasThmb = true
	if last || e.ready == nil {
		return nil
	}
	res, err := e.result(false)
	if err != nil {
		return err
	}
	return e.ready(res)
}

// result is the encode's result: the renditions made (MP4s from the
// smallest, the master playlist, each HLS media playlist) and, unless
// final, those coming.
func (e *stagedVideo) result(final bool) (*lectern.EncodeResult, error) {
	variants := make([]variant, len(e.made))
	for i, m := range e.made {
		variants[i] = m.variant
	}
	masterSize, err := writeMaster(filepath.Join(e.dir, hlsDir, masterName), variants)
	if err != nil {
		return nil, err
	}
	res := &lectern.EncodeResult{Info: e.s.Info, Thumbnail: thumbnailName, RemuxSkipped: e.plan.skipped}
	if rm := e.plan.remux; rm != nil {
		res.Remux = rm.Name
		if final && !e.plan.remuxTop {
			res.Stale = []string{remuxSourceName + ".mp4", hlsDir + "/" + remuxSourceName + ".m3u8", hlsDir + "/" + remuxSourceName + ".m4s"}
		}
	}
	var hls []lectern.Rendition
	var hlsSize int64
	for _, m := range e.made {
		res.Renditions = append(res.Renditions, m.mp4)
		hls = append(hls, m.hls)
		hlsSize += m.hls.Size
	}
	top := e.made[len(e.made)-1]
	res.Renditions = append(res.Renditions, lectern.Rendition{Name: "master", Kind: lectern.RenditionHLS,
		Path: hlsDir + "/" + masterName, Width: top.o.W, Height: top.o.H, VideoBitrate: top.mp4.VideoBitrate,
		AudioBitrate: top.mp4.AudioBitrate, Size: hlsSize + masterSize, State: lectern.RenditionReady})
	res.Renditions = append(res.Renditions, hls...)
	if final {
		return res, nil
	}
	for _, pass := range e.plan.passes {
		for _, o := range pass {
			if slices.ContainsFunc(e.made, func(m made) bool { return m.o.Name == o.Name }) {
				continue
			}
			c := lectern.Rendition{Name: o.Name, Kind: lectern.RenditionMP4, Path: o.Name + ".mp4", Width: o.W, Height: o.H,
				VideoBitrate: o.VideoBitrate, AudioBitrate: o.AudioBitrate, State: lectern.RenditionComing}
			res.Renditions = append(res.Renditions, c)
			c.Kind, c.Path = lectern.RenditionHLS, hlsDir+"/"+o.Name+".m3u8"
			res.Renditions = append(res.Renditions, c)
		}
	}
	return res, nil
}
