package main

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wirewatch/wirewatch/watcher"
)

// metrics are the daemon's Prometheus metrics, on a registry of their own
// (never the default one) served at /metrics of [http] listen.
type metrics struct {
	reg *prometheus.Registry

	fetches      *prometheus.CounterVec // result, status
	fetchSeconds prometheus.Histogram
	fetchBytes   prometheus.Counter
	items        *prometheus.CounterVec // feed, topic, outcome
	stories      *prometheus.CounterVec // topic
	digests      *prometheus.CounterVec // digest, result
	lastSuccess  prometheus.Gauge
}

// Item outcomes of wirewatch_items_total. seen and dropped have no topic
// (topic=""); kept and duplicate have one series per topic that kept the
// item.
const (
	outcomeSeen      = "seen"
	outcomeKept      = "kept"
	outcomeDropped   = "dropped"
	outcomeDuplicate = "duplicate"
)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wirewatch_fetches_total",
			Help: "Feed polls by result (ok, not_modified, transient, permanent) and HTTP status (0: no response).",
		}, []string{"result", "status"}),
		fetchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wirewatch_fetch_duration_seconds",
			Help:    "Time from request to parsed document, per poll.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}),
		fetchBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wirewatch_fetch_bytes_total",
			Help: "Bytes read from feed servers.",
		}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wirewatch_items_total",
			Help: "Items by feed, topic and outcome: seen (in a document, new or not), kept and duplicate (per keeping topic), dropped (no topic kept it).",
		}, []string{"feed", "topic", "outcome"}),
		stories: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wirewatch_stories_total",
			Help: "New stories (items that are no other item's copy) by topic.",
		}, []string{"topic"}),
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wirewatch_digest_deliveries_total",
			Help: "Digest delivery attempts by digest and result.",
		}, []string{"digest", "result"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wirewatch_last_successful_poll_timestamp_seconds",
			Help: "Unix time of the last successful poll of any feed (0: none yet).",
		}),
	}
	m.reg.MustRegister(m.fetches, m.fetchSeconds, m.fetchBytes, m.items, m.stories, m.digests, m.lastSuccess,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// bind adds the metrics that read the service's state when scraped.
func (m *metrics) bind(s *service) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wirewatch_feeds",
			Help: "Configured feeds.",
		}, func() float64 {
			ok, failing, gone, pending := s.feedCounts()
			return float64(ok + failing + gone + pending)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wirewatch_feeds_failing",
			Help: "Feeds whose last poll failed (gone feeds not counted).",
		}, func() float64 {
			_, failing, _, _ := s.feedCounts()
			return float64(failing)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wirewatch_poll_loop_last_pass_timestamp_seconds",
			Help: "Unix time of the poll loop's last pass (0: not running yet).",
		}, func() float64 { return float64(s.lastProgress.Load()) / 1e9 }),
	)
}

func (m *metrics) observePoll(r watcher.Result) {
	m.fetches.WithLabelValues(pollResult(r), strconv.Itoa(r.Status)).Inc()
	m.fetchSeconds.Observe(r.Duration.Seconds())
	m.fetchBytes.Add(float64(r.Bytes))
	if r.Err == nil {
		m.lastSuccess.Set(float64(r.Start.Add(r.Duration).UnixNano()) / 1e9)
	}
}

func (m *metrics) observeIngest(feed string, rep watcher.Report) {
	m.items.WithLabelValues(feed, "", outcomeSeen).Add(float64(rep.Read))
	m.items.WithLabelValues(feed, "", outcomeDropped).Add(float64(rep.Dropped))
	for _, it := range rep.Stored {
		for _, topic := range it.Topics {
			m.items.WithLabelValues(feed, topic, outcomeKept).Inc()
			if it.DuplicateOf != "" {
				m.items.WithLabelValues(feed, topic, outcomeDuplicate).Inc()
			} else {
				m.stories.WithLabelValues(topic).Inc()
			}
		}
	}
}

// httpHandler serves /metrics and /healthz on a mux of its own.
func (s *service) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorLog: slogPrinter{s},
	}))
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	return mux
}

// handleHealthz answers 200 only while the poll loop makes progress.
func (s *service) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ok, since := s.healthy()
	switch {
	case ok:
		fmt.Fprintln(w, "ok")
	case !s.ready.Load():
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "starting")
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "poll loop stalled for %s\n", since.Round(1e9))
	}
}

// slogPrinter adapts the service logger to promhttp's error log.
type slogPrinter struct{ s *service }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics", "err", fmt.Sprint(v...)) }
