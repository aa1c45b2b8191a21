package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"liaison/repo"
)

// The baseline is the floor every figure is divided by: a bare gin + sqlx server on the same
// database, connection settings and machine, doing one autocommit INSERT into a table as wide
// as opinions, or one SELECT of an opinion row by primary key. Absolute figures are noise on a
// shared machine; the ratio to this, measured minutes apart in the same run, is not.

var baselineDDL = map[string]string{
	"mysql": `CREATE TABLE IF NOT EXISTS bench_baseline (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    public_no VARCHAR(32) NOT NULL, channel VARCHAR(16) NOT NULL, station_id BIGINT NOT NULL,
    region_code VARCHAR(12) NOT NULL, category VARCHAR(32) NOT NULL, title VARCHAR(50) NOT NULL,
    content TEXT NOT NULL, address_enc TEXT NOT NULL, lat DOUBLE NULL, lng DOUBLE NULL,
    resident_user_id BIGINT NULL, status VARCHAR(16) NOT NULL, due_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL,
    KEY bench_baseline_station (station_id, status, id),
    KEY bench_baseline_created (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	"sqlite": `CREATE TABLE IF NOT EXISTS bench_baseline (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_no TEXT NOT NULL, channel TEXT NOT NULL, station_id INTEGER NOT NULL,
    region_code TEXT NOT NULL, category TEXT NOT NULL, title TEXT NOT NULL,
    content TEXT NOT NULL, address_enc TEXT NOT NULL, lat REAL NULL, lng REAL NULL,
    resident_user_id INTEGER NULL, status TEXT NOT NULL, due_at DATETIME NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL
);
CREATE INDEX IF NOT EXISTS bench_baseline_station ON bench_baseline (station_id, status, id);
CREATE INDEX IF NOT EXISTS bench_baseline_created ON bench_baseline (created_at, id)`,
}

type baselineRow struct {
	ID        int64          `db:"id" json:"id"`
	PublicNo  string         `db:"public_no" json:"public_no"`
	StationID int64          `db:"station_id" json:"station_id"`
	Category  string         `db:"category" json:"category"`
	Title     string         `db:"title" json:"title"`
	Content   string         `db:"content" json:"content"`
	Status    string         `db:"status" json:"status"`
	Rating    string         `db:"rating" json:"rating"`
	DeputyID  sql.NullInt64  `db:"deputy_id" json:"-"`
	Region    string         `db:"region_code" json:"region_code"`
	Created   time.Time      `db:"created_at" json:"created_at"`
	Updated   time.Time      `db:"updated_at" json:"updated_at"`
	Closed    sql.NullTime   `db:"closed_at" json:"-"`
	Address   string         `db:"address_enc" json:"-"`
	Priority  sql.NullString `db:"priority" json:"priority"`
}

// runBaseline serves the baseline until SIGTERM: `bench baseline -driver D -dsn DSN -addr A`.
func runBaseline(driver, dsn, addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// repo.Open only normalises the DSN and pool exactly as the server does (parseTime, UTC,
	// SQLite pragmas and its single connection); everything after is plain sqlx.
	db, err := repo.Open(ctx, driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	x := db.X
	if _, err := x.ExecContext(ctx, baselineDDL[driver]); err != nil {
		return fmt.Errorf("baseline table: %w", err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/insert", func(c *gin.Context) { baselineInsert(c, x) })
	r.GET("/opinions/:id", func(c *gin.Context) { baselineSelect(c, x) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func baselineInsert(c *gin.Context, x *sqlx.DB) {
	var in struct {
		StationID int64  `json:"station_id"`
		Title     string `json:"title"`
		Content   string `json:"content"`
	}
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	now := time.Now().UTC()
	res, err := x.ExecContext(c.Request.Context(), `INSERT INTO bench_baseline (public_no, channel, station_id, region_code, category,
title, content, address_enc, lat, lng, resident_user_id, status, due_at, created_at, updated_at)
VALUES (?, 'online', ?, '440101000000', 'traffic', ?, ?, '', 23.1, 113.2, 1, 'submitted', ?, ?, ?)`,
		"B"+strconv.FormatInt(now.UnixNano(), 36), in.StationID, in.Title, in.Content, now.Add(72*time.Hour), now, now)
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	id, _ := res.LastInsertId()
	c.JSON(http.StatusCreated, gin.H{"id": id})
}

func baselineSelect(c *gin.Context, x *sqlx.DB) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad id"})
		return
	}
	var row baselineRow
	err = x.GetContext(c.Request.Context(), &row, `SELECT id, public_no, station_id, category, title, content, status, rating,
deputy_id, region_code, created_at, updated_at, closed_at, address_enc, priority FROM opinions WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	} else if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, row)
}
