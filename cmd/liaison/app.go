package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"liaison/config"
	"liaison/handler"
	"liaison/handler/console"
	"liaison/repo"
	"liaison/repo/kv"
	"liaison/service"
	"liaison/service/auth"
	"liaison/service/calendar"
	"liaison/service/duty"
	"liaison/service/network"
	"liaison/service/notify"
	"liaison/service/opinion"
	"liaison/service/stats"
	"liaison/service/study"
	"liaison/service/upload"
	"liaison/wechat"
	"liaison/wechat/wechatfake"
)

// shared is the KV-backed state every instance shares: Redis in production, memory embedded.
type shared interface {
	service.KV
	service.RefundLimiter
	service.Locker
	service.PubSub
	Ping(ctx context.Context) error
}

// App is one wired server instance.
type App struct {
	Cfg     config.Config
	Log     *slog.Logger
	DB      *repo.DB
	Shared  shared
	Auth    *auth.Service
	Network *network.Service // the station network: regions, stations, deputies, units, categories
	Uploads *upload.Service
	Live    *opinion.Live
	Stats   *stats.Service
	// Supervisor is the supervision worker; tests drive its Tick with an injected clock.
	Supervisor *opinion.Supervisor
	Fake       *wechatfake.Server // nil with real WeChat credentials
	Handler    http.Handler       // the API; Serve wraps it in handler.BeijingTimes
	// Metrics serves /metrics; main puts it on its own listener (see serveMetrics).
	Metrics http.Handler
	// Workers run in the background while the server serves, each until its context ends.
	Workers []func(ctx context.Context)

	// Duty is duty registration, review and the archive.
	Duty *duty.Service

	// Study is study material; its delivery job runs on the leader (tests call its Tick).
	Study *study.Service

	// Opinions is the opinion lifecycle; the supervision worker calls its RecheckModeration
	// and CloseUnrated.
	Opinions *opinion.Service

	closers  []func() error
	stopping context.Context // ends when shutdown begins: long-lived streams close
	stop     context.CancelFunc
}

// Options are the pieces tests may supply instead of the defaults.
type Options struct {
	LogOutput io.Writer
	Clock     service.Clock
	// Fake is the fake WeChat to use in fake mode; one is started when nil. The SDK's transport
	// is process-wide, so tests in one process share one fake.
	Fake *wechatfake.Server
	// Shared replaces the in-memory KV of the embedded default, so tests can run two instances
	// on one store without Redis.
	Shared shared
	// Statements, when set, counts every statement the database pool sends (the bench reads
	// it from the pprof listener).
	Statements *repo.StatementCounts
}

// statsFoldEvery is how often the leader folds statistics deltas into the summary.
const statsFoldEvery = 2 * time.Second

// searchBackfillEvery is how often the leader indexes opinions older than the keyword index.
const searchBackfillEvery = 5 * time.Second

// NewApp connects the stores, migrates, and wires services and handlers.
func NewApp(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	if opt.LogOutput == nil {
		opt.LogOutput = io.Discard
	}
	if opt.Clock == nil {
		opt.Clock = service.SystemClock{}
	}
	a := &App{Cfg: cfg, Log: newLogger(opt.LogOutput, cfg.LogLevel)}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()

	var dbOpts []repo.Option
	if opt.Statements != nil {
		dbOpts = append(dbOpts, repo.WithStatementCounts(opt.Statements))
	}
	db, err := repo.Open(ctx, cfg.DBDriver, cfg.DBDSN, dbOpts...)
	if err != nil {
		return nil, err
	}
	a.DB = db
	a.closers = append(a.closers, db.Close)
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}

	switch {
	case opt.Shared != nil:
		a.Shared = opt.Shared
	case cfg.RedisAddr != "":
		client, err := kv.OpenRedis(cfg.RedisAddr, cfg.RedisPass, 0)
		if err != nil {
			return nil, fmt.Errorf("LIAISON_REDIS_ADDR: %w", err)
		}
		a.closers = append(a.closers, client.Close)
		a.Shared = kv.NewRedis(client, cfg.RedisPrefix)
	default:
		m := kv.NewMemory()
		a.closers = append(a.closers, m.Close)
		a.Shared = m
	}

	sealer, err := cfg.Sealer()
	if err != nil {
		return nil, err
	}

	wcfg := wechat.Config{AppID: cfg.WeChatAppID, Secret: cfg.WeChatSecret, KV: a.Shared, Locker: a.Shared, KeyPrefix: "wechat:"}
	if cfg.FakeWeChat() {
		a.Fake = opt.Fake
		if a.Fake == nil && cfg.FakeWeChatURL == "" {
			a.Fake = wechatfake.New(wechatfake.Options{RiskyWord: cfg.FakeRiskyWord, ReviewWord: cfg.FakeReviewWord})
			a.Fake.Start()
			a.closers = append(a.closers, func() error { a.Fake.Close(); return nil })
		}
		fakeURL := cfg.FakeWeChatURL // one run by someone else: a.Fake stays nil
		if a.Fake != nil {
			fakeURL = a.Fake.URL()
		}
		if err := wechat.InstallTransport(fakeURL); err != nil {
			return nil, err
		}
		wcfg.AppID, wcfg.Secret = "wx-liaison-dev", "fake-secret"
	} else {
		wechat.InstallProductionClient()
	}
	wc, err := wechat.New(wcfg)
	if err != nil {
		return nil, err
	}

	a.Auth = &auth.Service{
		Users: repo.Users{DB: db}, Audit: repo.Audit{DB: db}, Tx: db, Limiter: a.Shared, Revocations: repo.Revocations{DB: db}, PubSub: a.Shared,
		WeChat: wc, Sealer: sealer, Clock: opt.Clock, Secret: []byte(cfg.TokenSecret), TTL: cfg.TokenTTL,
		MaxFailures: int(cfg.LimitLoginFailures), IPMaxFailures: int(cfg.LimitLoginFailuresPerAddr), FailWindow: cfg.LimitLockout,
	}

	a.Live = &opinion.Live{PubSub: a.Shared}
	a.stopping, a.stop = context.WithCancel(context.Background())
	a.closers = append(a.closers, func() error { a.stop(); return nil })

	proxies, err := cfg.Proxies()
	if err != nil {
		return nil, fmt.Errorf("LIAISON_TRUSTED_PROXIES: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.X.DB, string(db.Dialect)), queueCollector{db})
	calendarSvc := &calendar.Service{Store: repo.Calendar{DB: db}, Audit: repo.Audit{DB: db}, Tx: db, Clock: opt.Clock}
	deadlinePolicy := &calendar.DeadlinePolicy{Store: repo.DeadlineRules{DB: db}, Calendar: calendarSvc, Audit: repo.Audit{DB: db}, Tx: db, Clock: opt.Clock}
	a.Network = &network.Service{Store: repo.Network{DB: db}, Grants: a.Auth, Accounts: a.Auth, Staff: repo.Users{DB: db}, Audit: repo.Audit{DB: db},
		Tx: db, Sealer: sealer, Clock: opt.Clock, Rates: stats.Rater{Store: repo.Stats{DB: db}}, PubSub: a.Shared}
	a.Stats = &stats.Service{Store: repo.Stats{DB: db}, Lookup: a.Network, Clock: opt.Clock, Tx: db}
	if err := a.Network.SeedCategories(ctx); err != nil {
		return nil, err
	}
	// Notifications: the outbox Notifier other services record notifications with, in their
	// own transaction, and the worker that delivers them (on every instance).
	templates, err := cfg.Templates()
	if err != nil {
		return nil, err
	}
	notifications := &notify.Service{Store: repo.Notifications{DB: db}, Tx: db, Clock: opt.Clock, Templates: templates}
	notifyWorker := &notify.Worker{Store: repo.Notifications{DB: db}, Tx: db, WeChat: wc, Clock: opt.Clock, Log: a.Log,
		ID: service.NewInstanceID(), Interval: cfg.NotifyInterval,
		Concurrency: int(cfg.NotifyConcurrency), Rate: int(cfg.NotifyRate), Shared: a.Shared}
	a.Workers = append(a.Workers, notifyWorker.Run)
	points, err := cfg.Points()
	if err != nil {
		return nil, err
	}
	a.Duty = &duty.Service{Store: repo.Duty{DB: db}, Receptions: repo.Receptions{DB: db}, Network: a.Network, Uploads: repo.Uploads{DB: db},
		Tx: db, Audit: repo.Audit{DB: db}, Clock: opt.Clock, Sealer: sealer, Points: points,
		Notice: cfg.ReceptionNotice, CheckinMeters: float64(cfg.CheckinMeters)}
	a.Opinions = &opinion.Service{Store: repo.Opinions{DB: db}, Network: a.Network, Users: repo.Users{DB: db}, Uploads: repo.Uploads{DB: db},
		Tx: db, KV: a.Shared, WeChat: wc, Notifier: notifications, Deadlines: deadlinePolicy, Sealer: sealer,
		Clock: opt.Clock, Live: a.Live, Audit: repo.Audit{DB: db}, Receptions: a.Duty,
		Observers: []service.OpinionObserver{&stats.Observer{Store: repo.Stats{DB: db}, Workdays: calendarSvc}, a.Duty}}
	// A deputy who leaves office hands their open items back to triage, in the same transaction.
	a.Network.Exits = a.Opinions
	// Study material; its delivery job runs on the leader, below.
	a.Study = &study.Service{Store: repo.Study{DB: db}, Trainings: repo.Trainings{DB: db}, Network: a.Network, Uploads: repo.Uploads{DB: db},
		Notifier: notifications, Tx: db, Audit: repo.Audit{DB: db}, Clock: opt.Clock, Sealer: sealer, DailyCap: int(cfg.StudyDailyCap),
		RecordDuty: func(ctx context.Context, act study.DutyActivity) error {
			// A training class has a source of its own: once per class, apart from materials' IDs.
			source, id, data := duty.SourceStudy, act.MaterialID, map[string]any{"material_id": act.MaterialID}
			if act.TrainingID != 0 {
				source, id, data = duty.SourceTraining, act.TrainingID, map[string]any{"training_id": act.TrainingID}
			}
			return a.Duty.Record(ctx, duty.Activity{DeputyID: act.DeputyID, Type: duty.TypeStudy, Source: source, SourceID: id,
				At: act.At, Hours: act.Hours, RegionCode: act.RegionCode, Title: act.Title, Data: data})
		}}
	// Files are shown with signed URLs the mini-program's <image> loads without a header.
	fileURLs := upload.NewURLSigner([]byte(cfg.TokenSecret), cfg.FileURLTTL, opt.Clock)
	a.Uploads = &upload.Service{Store: repo.Uploads{DB: db}, Blobs: repo.FileStorage{Dir: cfg.DataDir}, Clock: opt.Clock,
		NewKey: repo.NewBlobKey, Attachments: []upload.Attachments{a.Opinions, a.Duty, a.Study}, URLs: fileURLs}
	a.Opinions.RetentionDays, a.Opinions.UploadEraser = int(cfg.RetentionDays), a.Uploads

	// Supervision (督办) runs on one instance at a time: the lease lives in Redis when there is
	// one, else in the database, so even two processes on one SQLite file agree.
	var locker service.Locker = repo.Locks{DB: db, Clock: opt.Clock}
	if cfg.RedisAddr != "" {
		locker = a.Shared
	}
	a.Supervisor = &opinion.Supervisor{Opinions: a.Opinions, Store: repo.Opinions{DB: db}, Calendar: calendarSvc, Log: a.Log}
	leader := service.Leader{Locker: locker, Name: "supervision", Owner: service.NewInstanceID(), TTL: 2 * cfg.SuperviseInterval,
		Every: cfg.SuperviseInterval, Log: a.Log}
	a.Workers = append(a.Workers, func(ctx context.Context) { _ = leader.Run(ctx, a.Supervisor.Tick) })
	// Study material delivery runs on one instance at a time too, under its own lease.
	studyLeader := service.Leader{Locker: locker, Name: "study-delivery", Owner: service.NewInstanceID(), TTL: 2 * cfg.StudyInterval,
		Every: cfg.StudyInterval, Log: a.Log}
	a.Workers = append(a.Workers, func(ctx context.Context) { _ = studyLeader.Run(ctx, a.Study.Tick) })
	// Statistics deltas are folded into the summary on one instance at a time; readers sum the
	// deltas not folded yet, so how often only bounds how many rows they sum.
	statsLeader := service.Leader{Locker: locker, Name: "stats-fold", Owner: service.NewInstanceID(), TTL: 2 * statsFoldEvery,
		Every: statsFoldEvery, Log: a.Log}
	a.Workers = append(a.Workers, func(ctx context.Context) { _ = statsLeader.Run(ctx, a.Stats.Fold) })
	// Opinions older than the keyword index are indexed once, on one instance, newest first.
	searchLeader := service.Leader{Locker: locker, Name: "search-backfill", Owner: service.NewInstanceID(), TTL: 2 * searchBackfillEvery,
		Every: searchBackfillEvery, Log: a.Log}
	opinionStore := repo.Opinions{DB: db}
	a.Workers = append(a.Workers, func(ctx context.Context) {
		_ = searchLeader.Run(ctx, func(ctx context.Context) error {
			for range 20 { // 10,000 opinions a round at most, so the lease is renewed
				if more, err := opinionStore.BackfillSearch(ctx, 500); err != nil || !more {
					return err
				}
			}
			return nil
		})
	})
	// Every instance hears the others' logouts, grant changes and network changes.
	a.Workers = append(a.Workers, a.Auth.Listen, a.Network.Listen)
	// Personal data retention (PIPL): the real run, daily on the leader, only once an operator
	// has turned it on; admins can always ask for a dry run.
	if cfg.RetentionEnabled {
		retentionLeader := service.Leader{Locker: locker, Name: "retention", Owner: service.NewInstanceID(), TTL: 25 * time.Hour,
			Every: 24 * time.Hour, Log: a.Log}
		a.Workers = append(a.Workers, func(ctx context.Context) { _ = retentionLeader.Run(ctx, a.Opinions.RetentionTick) })
	}
	// Station and deputy codes (站点码/代表码), kept beside the uploads so every instance reuses them.
	qrcodes := &network.QRCodes{Network: a.Network, Coder: wc, Blobs: repo.FileStorage{Dir: cfg.DataDir}}
	deps := handler.Deps{
		Log: a.Log, Auth: a.Auth, Limiter: a.Shared, Metrics: reg, MaxBodyBytes: cfg.MaxBodyBytes,
		Limits: handler.Limits{
			APIPerMinute: int(cfg.LimitAPIPerMinute), LoginPerAddrMinute: int(cfg.LimitLoginPerAddr),
			SubmitPerUserHour: int(cfg.LimitSubmitPerUser), SubmitPerAddrHour: int(cfg.LimitSubmitPerAddr),
			UploadPerUserHour: int(cfg.LimitUploadPerUser), BindPerUserHour: int(cfg.LimitBindPerUser),
			CheckinPerUserMinute: int(cfg.LimitCheckinPerUser),
		},
		TrustedProxies: proxies,
		Production:     cfg.Production(),
		Ready:          map[string]func(context.Context) error{"database": db.Ping, "shared_state": a.Shared.Ping},
		Modules: []handler.Module{
			handler.Uploads(a.Uploads),
			handler.WorkEvents(a.Live, a.Auth, a.stopping),
			handler.Stats(a.Stats),
			handler.Calendar(calendarSvc, deadlinePolicy),
			handler.Network(a.Network),
			handler.Notifications(notifications),
			handler.Opinions(a.Opinions, fileURLs),
			handler.Duty(a.Duty, fileURLs),
			handler.Receptions(a.Duty),
			handler.Study(a.Study, fileURLs),
			handler.Trainings(a.Study),
			handler.Ledger(a.Opinions),
			handler.Retention(a.Opinions),
			handler.QRCodes(qrcodes),
			// modules: each area appends its handler.Module here, wired just above NewApp's deps.
		},
	}
	if !cfg.Production() && a.Fake != nil {
		fake := a.Fake
		deps.DevWeChatMessages = func() any { return fake.Messages() }
	}
	router := handler.New(deps)
	// The staff console is HTML on the same router, after the API's middleware: it calls the
	// same services with the same actor.
	console.Mount(router, console.Deps{Auth: a.Auth, Opinions: a.Opinions, Live: a.Live, Network: a.Network,
		Duty: a.Duty, Stats: a.Stats, Study: a.Study, Stopping: a.stopping, Log: a.Log, Secure: cfg.Production(),
		Limiter: a.Shared, LoginPerMinute: int(cfg.LimitLoginPerAddr),
		APIPerMinute: int(cfg.LimitAPIPerMinute)})
	a.Handler = router
	a.Metrics = handler.MetricsHandler(reg)
	ok = true
	return a, nil
}

// Serve listens on ln until ctx ends, then shuts down gracefully: stop accepting, let in-flight
// requests finish (up to the configured wait), then stop workers.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	// Times leave as RFC 3339 at +08:00, however they were read (see handler.BeijingTimes).
	srv := &http.Server{Handler: handler.BeijingTimes(a.Handler), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	wctx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	var workers sync.WaitGroup
	for _, w := range a.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			w(wctx)
		}()
	}
	a.Log.Info("listening", "addr", ln.Addr().String(), "db", string(a.DB.Dialect), "redis", a.Cfg.RedisAddr != "", "fake_wechat", a.Fake != nil)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	a.stop()
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownWait)
	defer cancel()
	err := srv.Shutdown(sctx)
	// Workers stop after the last request, so work a request queued is not orphaned mid-way.
	stopWorkers()
	workers.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close releases everything NewApp opened, in reverse order.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// queueCollector reports the depth of each background queue at scrape time.
type queueCollector struct{ db *repo.DB }

var queueDepthDesc = prometheus.NewDesc("liaison_queue_depth", "Items waiting in a background queue.", []string{"queue"}, nil)

func (q queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDepthDesc }

func (q queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depths, err := repo.QueueDepths(ctx, q.db)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDepthDesc, err)
		return
	}
	for name, n := range depths {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n), name)
	}
}
