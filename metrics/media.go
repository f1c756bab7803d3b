package metrics

import (
	"context"
	"time"

	"lectern"
)

// ffmpeg operations, the op label.
const (
	opEncode = "encode"
	opJoin   = "join"
)

// Encoder wraps e to time its encodes and count its failures; a
// lectern.StagedEncoder (ffmpeg.Runner) stays one, so that the job still
// offers each rendition as it is ready. It is only that: hand the job
// queue the joiner and the thumbnailer (jobs.Deps.Joiner, Thumbnails)
// yourself, through Joiner for the former.
func (m *Metrics) Encoder(e lectern.Encoder) lectern.Encoder {
	w := &encoder{Encoder: e, m: m}
	if s, ok := e.(lectern.StagedEncoder); ok {
		return &stagedEncoder{encoder: w, staged: s}
	}
	return w
}

type encoder struct {
	lectern.Encoder
	m *Metrics
}

func (e *encoder) Encode(ctx context.Context, src, dir string, progress func(percent float64)) (*lectern.EncodeResult, error) {
	return e.observe(ctx, func() (*lectern.EncodeResult, error) { return e.Encoder.Encode(ctx, src, dir, progress) })
}

// observe runs one encode, timing it and counting its failure.
func (e *encoder) observe(ctx context.Context, encode func() (*lectern.EncodeResult, error)) (*lectern.EncodeResult, error) {
	start := time.Now()
	res, err := encode()
	took := time.Since(start)
	if err == nil {
		e.m.encodeDuration.Observe(took.Seconds())
		if res != nil && res.Info.Duration > 0 && took > 0 {
			e.m.encodeSpeed.Observe(res.Info.Duration / took.Seconds())
		}
	}
	e.m.ffmpegFailed(ctx, opEncode, err)
	return res, err
}

type stagedEncoder struct {
	*encoder
	staged lectern.StagedEncoder
}

func (e *stagedEncoder) EncodeStaged(ctx context.Context, src, dir string, progress func(percent float64),
	ready func(*lectern.EncodeResult) error) (*lectern.EncodeResult, error) {
	return e.observe(ctx, func() (*lectern.EncodeResult, error) { return e.staged.EncodeStaged(ctx, src, dir, progress, ready) })
}

var _ lectern.StagedEncoder = (*stagedEncoder)(nil)

// Joiner wraps j to count its failures.
func (m *Metrics) Joiner(j lectern.Joiner) lectern.Joiner { return &joiner{j: j, m: m} }

type joiner struct {
	j lectern.Joiner
	m *Metrics
}

func (j *joiner) Join(ctx context.Context, parts []string, dst string) (*lectern.JoinResult, error) {
	res, err := j.j.Join(ctx, parts, dst)
	j.m.ffmpegFailed(ctx, opJoin, err)
	return res, err
}

func (j *joiner) EncodePresentation(ctx context.Context, src, dir string) (*lectern.Rendition, error) {
	r, err := j.j.EncodePresentation(ctx, src, dir)
	j.m.ffmpegFailed(ctx, opEncode, err)
	return r, err
}

// ffmpegFailed counts err unless it is none, a stop (ctx ended) or a
// source that is not media (EINVALID): those are not ffmpeg's failures.
func (m *Metrics) ffmpegFailed(ctx context.Context, op string, err error) {
	if err != nil && ctx.Err() == nil && lectern.ErrorCode(err) != lectern.EINVALID {
		m.ffmpegFailures.WithLabelValues(op).Inc()
	}
}

// Sender wraps s to count its failed deliveries; nil stays nil (no
// SMTP_URL: nothing is sent).
func (m *Metrics) Sender(s lectern.MailSender) lectern.MailSender {
	if s == nil {
		return nil
	}
	return &sender{s: s, m: m}
}

type sender struct {
	s lectern.MailSender
	m *Metrics
}

func (s *sender) Send(ctx context.Context, msg *lectern.Message) error {
	err := s.s.Send(ctx, msg)
	if err != nil && ctx.Err() == nil {
		s.m.mailFailures.Inc()
	}
	return err
}
