package ssllabs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/certportal/certportal/internal/jsondepth"
)

// Host statuses of the analyze answer.
const (
	StatusDNS        = "DNS"
	StatusInProgress = "IN_PROGRESS"
	StatusReady      = "READY"
	StatusError      = "ERROR"
)

// Host is the part of the analyze answer the client reads. The rest stays in the raw JSON.
type Host struct {
	Host            string     `json:"host"`
	Port            int        `json:"port"`
	Protocol        string     `json:"protocol"`
	IsPublic        bool       `json:"isPublic"`
	Status          string     `json:"status"`
	StatusMessage   string     `json:"statusMessage"`
	StartTime       int64      `json:"startTime"` // ms since the epoch
	TestTime        int64      `json:"testTime"`  // ms since the epoch
	EngineVersion   string     `json:"engineVersion"`
	CriteriaVersion string     `json:"criteriaVersion"`
	Endpoints       []endpoint `json:"endpoints"`
}

type endpoint struct {
	IPAddress            string          `json:"ipAddress"`
	ServerName           string          `json:"serverName"`
	StatusMessage        string          `json:"statusMessage"`
	StatusDetails        string          `json:"statusDetails"`
	StatusDetailsMessage string          `json:"statusDetailsMessage"`
	Grade                string          `json:"grade"`
	GradeTrustIgnored    string          `json:"gradeTrustIgnored"`
	FutureGrade          string          `json:"futureGrade"`
	HasWarnings          bool            `json:"hasWarnings"`
	IsExceptional        bool            `json:"isExceptional"`
	Progress             int             `json:"progress"`
	Duration             int64           `json:"duration"`
	Details              json.RawMessage `json:"details"`
}

// Result is a finished assessment: READY with a grade per endpoint, or ERROR with the
// service's reason in StatusMessage.
type Result struct {
	Host            string
	Status          string // StatusReady or StatusError
	StatusMessage   string
	StartTime       time.Time // when the service started the assessment (zero if unknown)
	TestTime        time.Time // when it finished (zero if unknown)
	FinishedAt      time.Time // when this client saw the final answer
	EngineVersion   string
	CriteriaVersion string
	Endpoints       []Endpoint
	// Raw is the full final analyze answer, as the service sent it.
	Raw json.RawMessage
}

// Endpoint is one server address of the host with its grade.
type Endpoint struct {
	IPAddress         string
	ServerName        string
	StatusMessage     string // "Ready" on success, or why the endpoint failed
	Grade             string // A+, A, A-, B, C, D, E, F, T or M; empty when not graded
	GradeTrustIgnored string
	FutureGrade       string
	HasWarnings       bool
	IsExceptional     bool
	Duration          time.Duration
	// Details is the endpoint's `details` object (protocols, suites, HSTS, ...), raw.
	Details json.RawMessage
}

// DecodeHost decodes an analyze answer, refusing JSON nested deeper than maxDepth
// (DefaultMaxJSONDepth when maxDepth <= 0) and answers without a status.
func DecodeHost(data []byte, maxDepth int) (*Host, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxJSONDepth
	}
	var h Host
	if err := decodeBounded(data, maxDepth, &h); err != nil {
		return nil, fmt.Errorf("decode analyze: %w", err)
	}
	if h.Status == "" {
		return nil, errors.New("decode analyze: no status in the answer")
	}
	return &h, nil
}

func newResult(h *Host, raw []byte, now time.Time) *Result {
	r := &Result{
		Host:            h.Host,
		Status:          h.Status,
		StatusMessage:   h.StatusMessage,
		StartTime:       msTime(h.StartTime),
		TestTime:        msTime(h.TestTime),
		FinishedAt:      now,
		EngineVersion:   h.EngineVersion,
		CriteriaVersion: h.CriteriaVersion,
		Raw:             json.RawMessage(bytes.Clone(raw)),
	}
	for _, e := range h.Endpoints {
		r.Endpoints = append(r.Endpoints, Endpoint{
			IPAddress:         e.IPAddress,
			ServerName:        e.ServerName,
			StatusMessage:     e.StatusMessage,
			Grade:             e.Grade,
			GradeTrustIgnored: e.GradeTrustIgnored,
			FutureGrade:       e.FutureGrade,
			HasWarnings:       e.HasWarnings,
			IsExceptional:     e.IsExceptional,
			Duration:          time.Duration(e.Duration) * time.Millisecond,
			Details:           e.Details,
		})
	}
	return r
}

func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// decodeBounded checks the nesting depth before handing data to encoding/json, so a
// deeply nested answer costs a linear scan and nothing more.
func decodeBounded(data []byte, maxDepth int, v any) error {
	if jsondepth.Exceeds(data, maxDepth) {
		return fmt.Errorf("%w (more than %d levels)", ErrTooDeep, maxDepth)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}
