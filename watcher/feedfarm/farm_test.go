package feedfarm

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func get(t *testing.T, u, etag string, gz bool) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestFarm(t *testing.T) {
	f, err := Start(Options{Feeds: 40, Hosts: 4, Mix: Mix{ServerError: 0.25, Gone: 0.25}, Seed: 7})
	if err != nil {
		t.Skipf("cannot start the farm: %v", err)
	}
	defer f.Close()
	hosts := map[string]bool{}
	kinds := map[Kind]int{}
	for i, u := range f.URLs() {
		pu, _ := url.Parse(u)
		hosts[pu.Hostname()] = true
		kinds[f.Kind(i)]++
	}
	if len(hosts) != 4 || f.Hosts() != 4 {
		t.Errorf("feeds on %d addresses, want 4", len(hosts))
	}
	if kinds[OK] == 0 || kinds[ServerError] == 0 || kinds[Gone] == 0 {
		t.Errorf("mix not applied: %v", kinds)
	}
	for i, u := range f.URLs() {
		resp, body := get(t, u, "", i%2 == 0)
		switch f.Kind(i) {
		case ServerError:
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
				t.Errorf("feed %d: %d", i, resp.StatusCode)
			}
		case Gone:
			if resp.StatusCode != 410 {
				t.Errorf("feed %d: %d", i, resp.StatusCode)
			}
		case OK:
			etag := resp.Header.Get("ETag")
			if resp.StatusCode != 200 || etag == "" || !strings.Contains(string(body), "<rss") {
				t.Fatalf("feed %d: %d etag %q body %.60q", i, resp.StatusCode, etag, body)
			}
			if resp, _ := get(t, u, etag, false); resp.StatusCode != 304 {
				t.Errorf("feed %d: conditional GET answered %d", i, resp.StatusCode)
			}
			f.Touch(i)
			if resp, _ := get(t, u, etag, false); resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
				t.Errorf("feed %d after Touch: %d, etag %q", i, resp.StatusCode, resp.Header.Get("ETag"))
			}
		}
	}
	if s := f.Stats(); s.NotModified != int64(kinds[OK]) || s.WireBytes <= s.Bytes {
		t.Errorf("stats %+v", s)
	}
}
