package ffmpeg

import (
	"cmp"
	"context"
	"errors"
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
		return encodePlan(outs, staged, why)
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

// encodePlan is the plan of a source every rung of which is encoded
// (why says why it is not copied): the lowest rung first, alone, when
// staged.
func encodePlan(outs []output, staged bool, why string) plan {
	if len(outs) == 1 || !staged {
		return plan{passes: [][]output{outs}, skipped: why}
	}
	return plan{passes: [][]output{outs[:1], outs[1:]}, skipped: why}
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

// maxRemuxFragment is the longest stretch between two keyframes a remux
// may have: its HLS segments begin at keyframes, and a source with
// keyframes further apart (a screen recorder's single keyframe) would
// give a player segments of minutes. Such a source is encoded.
const maxRemuxFragment = 3 * keyframeSeconds

// heAAC are the RFC 6381 codecs of the AAC profiles a remux may copy
// besides LC.
var heAAC = map[string]string{"HE-AAC": "mp4a.40.5", "HE-AACv2": "mp4a.40.29"}

// sparseKeyframes says a remux's keyframes are too far apart.
type sparseKeyframes struct{ longest float64 }

func (e *sparseKeyframes) Error() string {
	return fmt.Sprintf("its keyframes are up to %.1f s apart (at most %d s for streaming as it is)", e.longest, maxRemuxFragment)
}

// made is one rendition written: its file (the MP4), its HLS media
// playlist over that file, and what the master playlist says of it.
type made struct {
	o       output
	mp4     lectern.Rendition
	hls     lectern.Rendition
	variant variant
}

// stagedVideo is one video's encode under way.
type stagedVideo struct {
	r        *Runner
	dir      string
	s        *Source
	set      settings
	outs     []output // the ladder's rungs this source gets
	plan     plan
	made     []made
	ready    func(*lectern.EncodeResult) error
	posterOf string    // the rendition the poster was taken from, "" before any
	cuts     []float64 // the remux's segment starts, the encoded rungs' keyframes; nil for every keyframeSeconds
	old      []string  // files of an earlier layout, removed once the result is stored
	steps    progressSteps
}

// progressSteps spreads an encode's progress over its steps, each
// weighing its share of the work: a remux reads the file once (a
// twentieth of a decode's time), a pass its rungs' pixels plus one
// decode.
type progressSteps struct {
	progress    func(float64)
	done, total float64
}

// plan sets the weights of the steps left: p's.
func (ps *progressSteps) plan(p plan, s *Source) {
	ps.total = ps.done
	if p.remux != nil {
		ps.total += remuxWeight(s)
	}
	for _, pass := range p.passes {
		ps.total += passWeight(s, pass)
	}
}

func remuxWeight(s *Source) float64 { return 0.05 * float64(s.Width*s.Height+1) }

func passWeight(s *Source, pass []output) float64 {
	w := float64(s.Width * s.Height)
	for _, o := range pass {
		w += float64(o.W * o.H)
	}
	return w
}

// next is the progress callback of a step of weight w.
func (ps *progressSteps) next(w float64) func(float64) {
	from, width := ps.done/ps.total*100, w/ps.total*100
	ps.done += w
	return func(p float64) { ps.progress(min(100, from+p*width/100)) }
}

func (r *Runner) encodeVideo(ctx context.Context, dir string, s *Source, set settings, progress func(float64), ready func(*lectern.EncodeResult) error) (*lectern.EncodeResult, error) {
	name := s.name()
	outs := set.ladder.outputs(s.Width, s.Height)
	e := &stagedVideo{r: r, dir: dir, s: s, set: set, outs: outs, plan: r.planFor(s, outs, ready != nil), ready: ready}
	e.steps.progress = progress
	e.steps.plan(e.plan, s)
	if err := e.prepare(); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	if rm := e.plan.remux; rm != nil {
		err := e.remux(ctx, *rm, e.steps.next(remuxWeight(s)))
		var sparse *sparseKeyframes
		switch {
		case errors.As(err, &sparse):
			// Encoded as a source that is not browser-ready.
			_ = os.Remove(filepath.Join(dir, workDir, rm.Name+".mp4"))
			e.plan = encodePlan(outs, e.ready != nil, sparse.Error())
			e.steps.plan(e.plan, s)
		case err != nil:
			return nil, fmt.Errorf("encode %s: remux: %w", name, err)
		default:
			if err := e.publish(ctx, false); err != nil {
				return nil, fmt.Errorf("encode %s: %w", name, err)
			}
		}
	}
	for i, pass := range e.plan.passes {
		if err := e.encode(ctx, pass, e.steps.next(passWeight(s, pass))); err != nil {
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
// admin's encode-again, a restart after the remux was offered). The
// separate HLS media files of an earlier layout (hls/<rung>.m4s, before
// a rendition was one file) are removed once the result is stored.
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
	for _, o := range e.outs {
		keep[o.Name] = true
	}
	if e.plan.remux != nil {
		keep[e.plan.remux.Name] = true
	}
	entries, err := os.ReadDir(hls)
	if err != nil {
		return err
	}
	for _, de := range entries {
		base, ext, _ := strings.Cut(de.Name(), ".")
		switch {
		case de.Name() == masterName:
		case keep[base] && ext == "m3u8":
		case keep[base]:
			e.old = append(e.old, hlsDir+"/"+de.Name())
		default:
			if err := os.RemoveAll(filepath.Join(hls, de.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// remux copies the source's streams, no decode, into the rendition's
// file (a fragment at each of the source's keyframes) and writes its
// playlist, segments cut at the keyframes near every keyframeSeconds.
// When it is the top rung, the encoded rungs' keyframes and segments
// follow its segments (e.cuts). Keyframes further apart than
// maxRemuxFragment are a *sparseKeyframes error.
func (e *stagedVideo) remux(ctx context.Context, o output, progress func(float64)) error {
	s := e.s
	args := []string{"-map", fmt.Sprintf("0:%d", s.video)}
	if s.HasAudio {
		args = append(args, "-map", fmt.Sprintf("0:%d", s.audio))
	}
	args = append(args, "-c", "copy", "-map_metadata", "-1", "-movflags", fragMovflags, "-f", "mp4", workDir+"/"+o.Name+".mp4")
	pw := newProgressWriter(s.Duration, progress)
	if err := e.r.runLong(ctx, e.dir, s, args, e.r.encodeTimeout(s.Duration), pw); err != nil {
		return err
	}
	idx, err := readFragIndex(filepath.Join(e.dir, workDir, o.Name+".mp4"))
	if err != nil {
		return err
	}
	if d := idx.maxDur(); d > maxRemuxFragment {
		return &sparseKeyframes{longest: d}
	}
	segs := idx.segments(nil)
	if e.plan.remuxTop {
		e.cuts = cutsFor(segs, idx.fragments[0].dur, e.s.pic.frameRate)
	}
	return e.land(o, idx, segs)
}

// encode runs one ffmpeg for outs (one decode) and lands each rung.
func (e *stagedVideo) encode(ctx context.Context, outs []output, progress func(float64)) error {
	args := rungArgs(e.s, e.set, outs, workDir+"/", e.cuts)
	pw := newProgressWriter(e.s.Duration, progress)
	if err := e.r.runLong(ctx, e.dir, e.s, args, e.r.encodeTimeout(e.s.Duration), pw); err != nil {
		return err
	}
	for _, o := range outs {
		idx, err := readFragIndex(filepath.Join(e.dir, workDir, o.Name+".mp4"))
		if err != nil {
			return err
		}
		if err := e.land(o, idx, idx.segments(e.cuts)); err != nil {
			return err
		}
	}
	return nil
}

// land writes rendition o's playlist over its file in the work
// directory, moves the file into place, then the playlist, and records
// the rendition.
func (e *stagedVideo) land(o output, idx *fragIndex, segs []segment) error {
	work := filepath.Join(e.dir, workDir)
	mp4, pl := o.Name+".mp4", o.Name+".m3u8"
	p, err := writeMediaPlaylist(filepath.Join(work, hlsDir), pl, "../"+mp4, filepath.Join(work, mp4), idx.initSize, segs)
	if err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(work, mp4), filepath.Join(e.dir, mp4)); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(work, hlsDir, pl), filepath.Join(e.dir, hlsDir, pl)); err != nil {
		return err
	}
	size, err := fileSize(filepath.Join(e.dir, mp4))
	if err != nil {
		return err
	}
	ab := o.AudioBitrate
	switch {
	case !e.s.HasAudio:
		ab = 0
	case e.plan.remux != nil && o.Name == e.plan.remux.Name:
		// The source's sound as it is: HE-AAC is not the LC the init
		// section is read as.
		ab = e.s.audioBitrate
		if oti, ok := heAAC[e.s.audioProfile]; ok {
			p.codecs = strings.Replace(p.codecs, "mp4a.40.2", oti, 1)
		}
	case e.s.copyAudio(o):
		ab = e.s.audioBitrate
	}
	m := made{o: o, mp4: lectern.Rendition{Name: o.Name, Kind: lectern.RenditionMP4, Path: mp4, Width: o.W, Height: o.H,
		VideoBitrate: o.VideoBitrate, AudioBitrate: ab, Size: size, State: lectern.RenditionReady}}
	m.hls = m.mp4
	m.hls.Kind, m.hls.Path, m.hls.Size = lectern.RenditionHLS, hlsDir+"/"+pl, p.size
	m.variant = variant{uri: pl, width: o.W, height: o.H, playlist: p}
	e.made = slices.DeleteFunc(e.made, func(x made) bool { return x.o.Name == o.Name })
	e.made = append(e.made, m)
	slices.SortStableFunc(e.made, func(a, b made) int { return cmp.Compare(a.o.H, b.o.H) })
	return nil
}

// publish writes the master playlist over what is made, the thumbnail
// and the poster (again only when a larger rendition is made: the
// poster is as large as the rendition a player starts with), then tells
// ready, unless last (the caller stores the whole result).
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
	if top := e.made[len(e.made)-1]; top.o.Name != e.posterOf {
		// The poster: as large as the rendition the player starts with,
		// from the largest made; the lists' thumbnail as small as the
		// lowest rung, from the same frame.
		outs := make([]output, len(e.made))
		for i, m := range e.made {
			outs[i] = m.o
		}
		if err := e.r.keyframeStills(ctx, filepath.Join(e.dir, top.mp4.Path), at, []stillOut{
			{dst: filepath.Join(e.dir, lectern.PosterName(thumbnailName)), width: posterOutput(outs).W},
			{dst: filepath.Join(e.dir, thumbnailName), width: e.outs[0].W},
		}); err != nil {
			return fmt.Errorf("thumbnail and poster: %w", err)
		}
		e.posterOf = top.o.Name
	}
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
	}
	if final {
		res.Stale = slices.Clone(e.old)
		if !slices.ContainsFunc(e.made, func(m made) bool { return m.o.Name == remuxSourceName }) {
			for _, f := range []string{remuxSourceName + ".mp4", hlsDir + "/" + remuxSourceName + ".m3u8"} {
				if _, err := os.Stat(filepath.Join(e.dir, filepath.FromSlash(f))); err == nil {
					res.Stale = append(res.Stale, f)
				}
			}
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
