package web

import (
	"net/http"

	"lectern"
	"lectern/locale"
)

type feedShowPage struct {
	layout
	Recorder *lectern.Recorder
	feedRow
	Report  *lectern.FeedReport
	Window  [2]when
	Lists   []feedReportList
	MaxFile string // the upload's size limit, for its help
}

// feedReportList is one list of the last report: its heading and items.
type feedReportList struct {
	Heading string
	Count   int
	Items   []feedReportRow
}

type feedReportRow struct {
	Title  string
	Start  when
	Reason string // translated
	Detail string
}

// handleFeedShow shows a feed: its settings, its last import's report
// (counts, then each event that could not be mapped, was in conflict,
// could not be read or was kept), Import now and the upload form.
func (s *Server) handleFeedShow(w http.ResponseWriter, r *http.Request) {
	rec, f, ok := s.feedOf(w, r)
	if !ok {
		return
	}
	p := s.printer(r)
	data := feedShowPage{layout: s.page(r, "feed.show.title", "recorders"), Recorder: rec, feedRow: s.feedRow(p, rec, f),
		Report: f.LastReport, MaxFile: p.Size(lectern.FeedMaxBytes)}
	data.Title = f.Name
	if rep := f.LastReport; rep != nil {
		data.Window = [2]when{moment(p, rep.From), moment(p, rep.To)}
		for _, l := range []struct {
			key   string
			count int
			items []lectern.FeedReportItem
		}{
			{"feed.report.unmapped", rep.Unmapped, rep.UnmappedItems},
			{"feed.report.conflicts", rep.ConflictCount, rep.Conflicts},
			{"feed.report.errors", rep.ErrorCount, rep.Errors},
			{"feed.report.kept", rep.Kept, rep.KeptItems},
		} {
			if l.count == 0 {
				continue
			}
			list := feedReportList{Heading: p.T(l.key), Count: l.count}
			for _, it := range l.items {
				list.Items = append(list.Items, feedReportRow{Title: it.Title, Start: moment(p, it.Start),
					Reason: reasonLabel(p, it.Reason), Detail: p.Error(it.Detail)})
			}
			data.Lists = append(data.Lists, list)
		}
	}
	s.render(w, r, http.StatusOK, "feed_show", data)
}

func reasonLabel(p *locale.Printer, reason string) string { return label(p, "feed.reason.", reason) }
