package lectern

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Split recordings. Recorders cut long recordings into files (an Extron
// SMP writes lecture_S1R1.m4v, lecture_S1R2.m4v, …; Multicam splits
// every N minutes), each uploaded as it is closed. A file whose name
// matches RECORDING_PART_PATTERN is a part: Intake.Complete stores its
// treatment in TreatmentToAssemble, where it is neither mailed, claimed
// nor published. The assembly pass (PartAssembler.Pass, run by `lectern
// serve`) groups the waiting parts of one recording (same recorder,
// folder and key, same event when the schedule routed them), and once
// the last one is complete (RECORDING_PART_QUIET after the newest part,
// and after the event's end) makes the group one deposit: the parts'
// treatments give way to one treatment of every part, in order
// (Intake.Complete with Deposit.Parts, the first part as its file), which
// is routed as any deposit and joined into one video by the processing
// job.

// DefaultPartPattern is RECORDING_PART_PATTERN's default: an Extron SMP's
// parts, <name>R<n>.m4v (or .mp4).
const DefaultPartPattern = `^(?P<key>.+)R(?P<part>\d+)\.(m4v|mp4)$`

// DefaultPartQuiet is RECORDING_PART_QUIET's default.
const DefaultPartQuiet = 2 * time.Minute

// maxPartPages bounds the waiting parts one pass reads: 50 pages of
// MaxPageSize, 10,000 parts; the next pass takes the rest.
const maxPartPages = 50

// partClaimStale is how long a group may stay taken (TreatmentAssembling)
// before another pass takes it to have been left by a node that died.
const partClaimStale = 10 * time.Minute

// CompilePartPattern reads RECORDING_PART_PATTERN: a Go regular
// expression with the named groups key and part (digits); "" is none
// (nil, nil).
func CompilePartPattern(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("RECORDING_PART_PATTERN: %w", err)
	}
	if re.SubexpIndex("key") < 0 || re.SubexpIndex("part") < 0 {
		return nil, errors.New("RECORDING_PART_PATTERN: needs the named groups (?P<key>…) and (?P<part>…)")
	}
	return re, nil
}

// PartName reads a file's base name with re: the key its recording's
// parts share and its number. ok is false for a name that is no part
// (no match, an empty key, a number that is not one from 1 to
// 1,000,000).
func PartName(re *regexp.Regexp, name string) (key string, n int, ok bool) {
	if re == nil {
		return "", 0, false
	}
	m := re.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	key = m[re.SubexpIndex("key")]
	n, err := strconv.Atoi(m[re.SubexpIndex("part")])
	if key == "" || err != nil || n < 1 || n > 1_000_000 {
		return "", 0, false
	}
	return key, n, true
}

// holdPart makes a new deposit that is a part of a split recording wait
// for the others (TreatmentToAssemble). A deposit of several files
// (Deposit.Parts: what the assembly pass completes) and an ignored name
// are left alone.
func (in *Intake) holdPart(t *Treatment, d Deposit) {
	if in.PartPattern == nil || len(d.Parts) > 0 || t.State == TreatmentIgnored {
		return
	}
	key, n, ok := PartName(in.PartPattern, filepath.Base(t.File))
	if !ok {
		return
	}
	t.State, t.RequireManualClaim = TreatmentToAssemble, false
	t.Reason = "A part of a split recording: it waits for the other parts."
	in.logger().Info("part of a split recording held", "file", t.File, "key", key, "part", n)
}

// PartAssembler makes the waiting parts of split recordings into one
// deposit each (see above). Several nodes may run it at once: a group is
// taken part by part, in order, from TreatmentToAssemble to
// TreatmentAssembling (TransitionTreatment), and a pass that finds any
// part of a group taken leaves the group alone, so one node completes it.
type PartAssembler struct {
	Intake *Intake // its Treatments, PartPattern, Complete
	// Events tells an event's end and UID (the parts of a recording in a
	// scheduled event wait for its end); nil: parts wait for Quiet only.
	Events EventService
	// Quiet (RECORDING_PART_QUIET) is how long after the newest part a
	// recording with no next part is complete.
	Quiet   time.Duration
	Logger  *slog.Logger
	NowFunc func() time.Time
}

// partOf is a waiting part and what its name tells.
type partOf struct {
	t   *Treatment
	key string
	n   int
}

// partGroup says which parts may be one recording.
type partGroup struct {
	recorder, event int64 // 0: none
	dir, key        string
}

// Pass assembles every group of parts that is complete, and returns how
// many deposits it made. A group it cannot take (another node's) or that
// is not complete yet waits for a later pass.
//
// A node killed between taking a group and completing it leaves its parts
// TreatmentAssembling: after partClaimStale a pass gives them back. One
// killed after their treatments were removed and before the deposit was
// made leaves the parts' files without a treatment: the watcher's or
// cron's next scan finds them again, as new parts.
func (a *PartAssembler) Pass(ctx context.Context) (int, error) {
	// It runs without a pattern too: parts held before
	// RECORDING_PART_PATTERN was emptied become deposits of their own.
	in := a.Intake
	if in == nil {
		return 0, nil
	}
	var waiting []*Treatment
	for page := 1; page <= maxPartPages; page++ {
		list, total, err := in.Treatments.FindTreatments(ctx, TreatmentFilter{
			States: []string{TreatmentToAssemble, TreatmentAssembling}, Page: Page{Number: page, Size: MaxPageSize}})
		if err != nil {
			return 0, fmt.Errorf("find waiting parts: %w", err)
		}
		waiting = append(waiting, list...)
		if len(list) < MaxPageSize || len(waiting) >= total {
			break
		}
	}
	groups := map[partGroup][]partOf{}
	for _, t := range waiting {
		key, n, ok := PartName(in.PartPattern, filepath.Base(t.File))
		if !ok {
			// The pattern changed since: the part is a deposit alone.
			key, n = filepath.Base(t.File), 1
		}
		g := partGroup{dir: filepath.Dir(t.File), key: key}
		if t.RecorderID != nil {
			g.recorder = *t.RecorderID
		}
		if t.EventID != nil {
			g.event = *t.EventID
		}
		groups[g] = append(groups[g], partOf{t: t, key: key, n: n})
	}
	made := 0
	for g, parts := range groups {
		for _, chunk := range recordings(parts) {
			ok, err := a.assemble(ctx, g, chunk)
			if err != nil {
				return made, err
			}
			if ok {
				made++
			}
		}
	}
	return made, nil
}

// recordings cuts the waiting parts of one group into recordings, in the
// order they arrived: a number already seen starts another recording
// (the recorder started again), as does a recording of MaxParts parts.
// Each recording's parts are returned in their numbers' order.
func recordings(parts []partOf) [][]partOf {
	slices.SortFunc(parts, func(x, y partOf) int {
		return cmp.Or(x.t.CompletedAt.Compare(y.t.CompletedAt), cmp.Compare(x.t.ID, y.t.ID))
	})
	var out [][]partOf
	var cur []partOf
	seen := map[int]bool{}
	for _, p := range parts {
		if seen[p.n] || len(cur) == MaxParts {
			out, cur, seen = append(out, cur), nil, map[int]bool{}
		}
		seen[p.n] = true
		cur = append(cur, p)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	for _, r := range out {
		slices.SortFunc(r, func(x, y partOf) int { return cmp.Compare(x.n, y.n) })
	}
	return out
}

func (a *PartAssembler) now() time.Time {
	if a.NowFunc != nil {
		return a.NowFunc().UTC()
	}
	return time.Now().UTC()
}

func (a *PartAssembler) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// assemble makes parts one deposit when they are complete and this pass
// takes them all; it reports whether it did.
func (a *PartAssembler) assemble(ctx context.Context, g partGroup, parts []partOf) (bool, error) {
	in, now := a.Intake, a.now()
	log := a.logger().With("recorder_id", g.recorder, "key", g.key, "parts", len(parts))
	var newest time.Time
	var taken []*Treatment
	for _, p := range parts {
		if p.t.CompletedAt.After(newest) {
			newest = p.t.CompletedAt
		}
		if p.t.State == TreatmentAssembling {
			taken = append(taken, p.t)
		}
	}
	if len(taken) > 0 {
		// Another node's, unless it died with it.
		for _, t := range taken {
			if now.Sub(t.RoutedAt) < partClaimStale {
				return false, nil
			}
		}
		for _, t := range taken {
			if _, err := in.Treatments.TransitionTreatment(ctx, t.ID, TreatmentAssembling, TreatmentToAssemble, nil); err != nil {
				return false, fmt.Errorf("give back part %d: %w", t.ID, err)
			}
		}
		log.Warn("parts taken by a pass that did not finish: given back")
		return false, nil
	}
	due := newest.Add(a.Quiet)
	var ev *Event
	if g.event != 0 && a.Events != nil {
		e, err := a.Events.FindEventByID(ctx, g.event)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, fmt.Errorf("event %d of parts: %w", g.event, err)
		}
		if e != nil {
			ev = e
			if end := e.End.Add(a.Quiet); end.After(due) {
				due = end
			}
		}
	}
	if now.Before(due) {
		return false, nil
	}

	// Take the parts in order: a pass that loses the first takes none.
	for i, p := range parts {
		ok, err := in.Treatments.TransitionTreatment(ctx, p.t.ID, TreatmentToAssemble, TreatmentAssembling, nil)
		if err == nil && ok {
			p.t.State, p.t.RoutedAt = TreatmentAssembling, now
			err = in.Treatments.UpdateTreatment(ctx, p.t)
		}
		if err != nil || !ok {
			for _, q := range parts[:i] {
				if _, rerr := in.Treatments.TransitionTreatment(ctx, q.t.ID, TreatmentAssembling, TreatmentToAssemble, nil); rerr != nil {
					log.Error("give back a part", "treatment_id", q.t.ID, "err", rerr)
				}
			}
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return false, fmt.Errorf("take part %d: %w", p.t.ID, err)
			}
			return false, nil
		}
	}

	// A part gone meanwhile is dropped; the others make the deposit.
	var deposit []TreatmentPart
	first := time.Time{}
	var keep []partOf
	for _, p := range parts {
		if _, err := os.Stat(p.t.File); errors.Is(err, fs.ErrNotExist) {
			p.t.State, p.t.Reason = TreatmentMissing, "The part vanished before its recording was assembled."
			if err := in.Treatments.UpdateTreatment(ctx, p.t); err != nil {
				log.Error("record a vanished part", "treatment_id", p.t.ID, "err", err)
			}
			continue
		}
		keep = append(keep, p)
	}
	if len(keep) == 0 {
		return false, nil
	}
	for i, p := range keep {
		deposit = append(deposit, TreatmentPart{Position: i + 1, Flavor: FlavorPresenter, File: p.t.File})
		if first.IsZero() || p.t.FirstSeenAt.Before(first) {
			first = p.t.FirstSeenAt
		}
	}
	// The parts' own treatments give way to the deposit's, which holds
	// their files.
	for _, p := range keep {
		if err := in.Treatments.DeleteTreatment(ctx, p.t.ID); err != nil && ErrorCode(err) != ENOTFOUND {
			return false, fmt.Errorf("replace part %d: %w", p.t.ID, err)
		}
	}
	d := Deposit{Path: keep[0].t.File, Source: keep[0].t.DetectedBy, FirstSeen: first, Parts: deposit}
	if ev != nil {
		d.EventUID = ev.UID
	}
	t, _, err := in.Complete(ctx, d)
	if err != nil {
		log.Error("split recording not assembled; its parts are found again by the next scan", "err", err)
		return false, nil
	}
	if t == nil {
		return false, nil
	}
	if keep[0].n > 1 {
		log.Warn("parts arrived after their recording was assembled, or without its first parts: a deposit of their own",
			"first_part", keep[0].n, "treatment_id", t.ID)
	}
	log.Info("split recording assembled", "treatment_id", t.ID, "file", t.File, "state", t.State)
	return true, nil
}
