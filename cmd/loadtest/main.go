// Command loadtest measures the portal's pages under concurrent load: each
// target is loaded by -c clients for -d beside the plain /login page in the same
// run, and the report gives requests per second, p50/p99 latency and errors for
// both, and the target's rate as a share of /login's. Each target is asked for
// once before its timed run, and that first answer's time is reported apart
// ("first"): the first reader after a start computes what later readers share
// (the dashboard's book, a kept view), which is not the steady rate. It only talks to
// 127.0.0.1 and every run is bounded by -d per target.
//
//	LOAD_PASSWORD=... go run ./cmd/loadtest -base http://127.0.0.1:8080 -email am@example.com \
//	    -token "$TOKEN" -pid "$(pgrep -n portal)" /dashboard /api/v1/dashboard /certificates ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type result struct {
	n, errs   int
	latencies []time.Duration
	bytes     int64
}

func (r *result) add(o *result) {
	r.n += o.n
	r.errs += o.errs
	r.bytes += o.bytes
	r.latencies = append(r.latencies, o.latencies...)
}

func (r *result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

func run() error {
	base := flag.String("base", "http://127.0.0.1:8080", "the portal (127.0.0.1 only)")
	conc := flag.Int("c", 16, "concurrent clients per page")
	dur := flag.Duration("d", 8*time.Second, "how long each target is loaded (max 60s)")
	email := flag.String("email", "", "sign in as this user for pages (password in LOAD_PASSWORD)")
	token := flag.String("token", "", "API token for /api/ targets")
	pid := flag.Int("pid", 0, "the portal's process id, to report its peak RSS")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Hostname() != "127.0.0.1" || u.Scheme != "http" {
		return errors.New("-base must be http://127.0.0.1:PORT: this tool loads only the local machine")
	}
	if *dur <= 0 || *dur > time.Minute {
		return errors.New("-d must be between 0 and 60s")
	}
	if *conc < 1 || *conc > 256 {
		return errors.New("-c must be between 1 and 256")
	}
	targets := flag.Args()
	if len(targets) == 0 {
		return errors.New("name the paths to load, e.g. /dashboard /api/v1/dashboard")
	}
	var cookies []*http.Cookie
	if *email != "" {
		if cookies, err = signIn(*base, *email, os.Getenv("LOAD_PASSWORD")); err != nil {
			return err
		}
	}
	fmt.Printf("%-48s %9s %9s %9s %9s %7s %9s | %9s %9s %6s\n", "target", "first", "req/s", "p50", "p99", "errors", "KiB/req", "login/s", "login p99", "ratio")
	peak := 0
	for _, path := range targets {
		if !strings.HasPrefix(path, "/") {
			return fmt.Errorf("%q is not a path", path)
		}
		var auth func(*http.Request)
		if strings.HasPrefix(path, "/api/") {
			auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+*token) }
		} else {
			auth = func(r *http.Request) {
				for _, c := range cookies {
					r.AddCookie(c)
				}
			}
		}
		first := once(*base+path, auth)
		ctx, cancel := context.WithTimeout(context.Background(), *dur)
		var wg sync.WaitGroup
		var target, login result
		var mu sync.Mutex
		stopRSS := make(chan struct{})
		rssDone := make(chan int)
		go func() { rssDone <- watchRSS(*pid, stopRSS) }()
		start := time.Now()
		for i := 0; i < 2**conc; i++ {
			p, a, dst := path, auth, &target
			if i%2 == 1 {
				p, a, dst = "/login", func(*http.Request) {}, &login
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := hammer(ctx, *base+p, a)
				mu.Lock()
				dst.add(r)
				mu.Unlock()
			}()
		}
		wg.Wait()
		cancel()
		close(stopRSS)
		if rss := <-rssDone; rss > peak {
			peak = rss
		}
		secs := time.Since(start).Seconds()
		kib := 0.0
		if target.n > 0 {
			kib = float64(target.bytes) / float64(target.n) / 1024
		}
		ratio := 0.0
		if login.n > 0 {
			ratio = float64(target.n) / float64(login.n)
		}
		fmt.Printf("%-48s %9s %9.0f %9s %9s %7d %9.1f | %9.0f %9s %6.2f\n", path, first, float64(target.n)/secs,
			target.pct(0.50).Round(100*time.Microsecond), target.pct(0.99).Round(100*time.Microsecond), target.errs, kib,
			float64(login.n)/secs, login.pct(0.99).Round(100*time.Microsecond), ratio)
	}
	if *pid != 0 {
		fmt.Printf("portal peak RSS during the runs: %d MiB\n", peak/1024)
	}
	return nil
}

// noRedirects is a client that reports a redirect instead of following it (a
// page that redirects is not the page measured); 0 is no timeout.
func noRedirects(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// once requests target a single time, untimed by the run, and reports how long
// it took (or "failed").
func once(target string, auth func(*http.Request)) string {
	client := noRedirects(time.Minute)
	req, _ := http.NewRequest("GET", target, nil)
	auth(req)
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return "failed"
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "failed"
	}
	return time.Since(t0).Round(100 * time.Microsecond).String()
}

// hammer requests url until ctx ends.
func hammer(ctx context.Context, target string, auth func(*http.Request)) *result {
	client := noRedirects(30 * time.Second)
	r := &result{}
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", target, nil)
		auth(req)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			r.errs++
			continue
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if ctx.Err() != nil && resp.StatusCode == 0 {
			break
		}
		r.n++
		r.bytes += n
		r.latencies = append(r.latencies, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			r.errs++
		}
	}
	return r
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signIn(base, email, password string) ([]*http.Cookie, error) {
	if password == "" {
		return nil, errors.New("set LOAD_PASSWORD to sign in")
	}
	jar, _ := cookiejar.New(nil)
	c := noRedirects(0)
	c.Jar = jar
	resp, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on /login")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "csrf_token": {string(m[1])}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in: status %d", resp.StatusCode)
	}
	u, _ := url.Parse(base)
	return jar.Cookies(u), nil
}

// watchRSS samples the process's resident set (KiB) until stop closes and
// returns the largest value seen.
func watchRSS(pid int, stop <-chan struct{}) int {
	if pid == 0 {
		<-stop
		return 0
	}
	peak := 0
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(line, "VmRSS:") {
					if kb, err := strconv.Atoi(strings.Fields(line)[1]); err == nil && kb > peak {
						peak = kb
					}
				}
			}
		}
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}
