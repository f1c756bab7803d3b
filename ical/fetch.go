package ical

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"lectern"
)

// Fetcher reads feeds' URLs; it implements lectern.FeedFetcher. Only the
// feed's own http or https address is fetched (lectern.CheckFeedURL),
// then at most MaxRedirects redirects to http or https addresses, within
// Timeout, at most lectern.FeedMaxBytes.
//
// A feed's URL is typed by a recorder's manager, who is no administrator:
// unless AllowPrivate, the Fetcher's own client connects to no address of
// this host, of its network or of the cloud's metadata service (loopback,
// link-local, private, shared, unspecified and multicast addresses). The
// check is made on the address each connection dials, after DNS, so that
// neither a redirect nor a name that resolves to 127.0.0.1 (DNS
// rebinding) gets around it. Behind an HTTP proxy (HTTP_PROXY), the
// address dialed is the proxy's.
type Fetcher struct {
	// Client is the HTTP client; nil: one of its own, with the address
	// check (Timeout bounds each fetch either way). A Client given here
	// is used as it is.
	Client       *http.Client
	Timeout      time.Duration // 30 s when zero
	MaxRedirects int           // 3 when zero
	UserAgent    string
	// AllowPrivate lets feeds reach the addresses refused by default
	// (SCHEDULE_FEED_ALLOW_PRIVATE: a timetable server on the campus
	// network).
	AllowPrivate bool
}

// errPrivateAddress refuses a connection to an address feeds may not
// reach.
var errPrivateAddress = errors.New("address not allowed for a feed")

// sharedNet is RFC 6598's shared address space (carrier-grade NAT), used
// inside networks as private addresses are.
var sharedNet = netip.MustParsePrefix("100.64.0.0/10")

// publicAddress reports whether a feed may connect to ip.
func publicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedNet.Contains(ip) &&
		!(ip.Is4() && ip.As4()[0] == 0)
}

// guardedClient is the Fetcher's own client: every connection it dials
// goes to a public address.
func guardedClient() *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddress(ap.Addr()) {
				return fmt.Errorf("dial %s: %w", address, errPrivateAddress)
			}
			return nil
		}}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = d.DialContext
	return &http.Client{Transport: t}
}

var _ lectern.FeedFetcher = (*Fetcher)(nil)

var (
	errTooManyRedirects = errors.New("too many redirects")
	errRedirectScheme   = errors.New("redirect to a scheme that is not http or https")
)

// FetchFeed implements lectern.FeedFetcher: the body of a 200 answer.
// EINVALID says why a feed could not be fetched (the message is stored
// with the feed and shown on its page).
func (f *Fetcher) FetchFeed(ctx context.Context, rawURL string) ([]byte, error) {
	if err := lectern.CheckFeedURL(rawURL); err != nil {
		return nil, err
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	max := f.MaxRedirects
	if max <= 0 {
		max = 3
	}
	client := http.Client{}
	if f.Client != nil {
		client = *f.Client
	} else if !f.AllowPrivate {
		client = *guardedClient()
	}
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > max {
			return errTooManyRedirects
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return errRedirectScheme
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, lectern.Errorf(lectern.EINVALID, "Could not fetch the feed: %v.", err)
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	resp, err := client.Do(req)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		return nil, &lectern.Error{Code: lectern.EINVALID, Message: fmt.Sprintf("Could not fetch the feed: no answer within %s.", timeout), Err: err}
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, errTooManyRedirects):
		return nil, &lectern.Error{Code: lectern.EINVALID, Message: fmt.Sprintf("Could not fetch the feed: more than %d redirects.", max), Err: err}
	case errors.Is(err, errPrivateAddress):
		return nil, &lectern.Error{Code: lectern.EINVALID, Message: "Could not fetch the feed: its address is on this server or a private network, " +
			"which feeds may not reach (SCHEDULE_FEED_ALLOW_PRIVATE).", Err: err}
	case errors.Is(err, errRedirectScheme):
		return nil, &lectern.Error{Code: lectern.EINVALID, Message: "Could not fetch the feed: a redirect to an address that is not http or https is refused.", Err: err}
	default:
		// Which host failed and how (no such host, refused, reset) stays
		// in the log: shown to a recorder's manager, it would map the
		// servers the feed's address can reach.
		return nil, &lectern.Error{Code: lectern.EINVALID, Message: "Could not fetch the feed: the address could not be reached.", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, lectern.Errorf(lectern.EINVALID, "Could not fetch the feed: the server answered %s.", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, lectern.FeedMaxBytes+1))
	if err != nil {
		return nil, &lectern.Error{Code: lectern.EINVALID, Message: "Could not fetch the feed: the answer was cut off.", Err: err}
	}
	if len(data) > lectern.FeedMaxBytes {
		return nil, lectern.Errorf(lectern.EINVALID, "The feed is larger than %d MiB.", lectern.FeedMaxBytes>>20)
	}
	return data, nil
}
