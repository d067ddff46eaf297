package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/lifetimes"
	"github.com/certportal/certportal/internal/notify"
)

// Plans are refreshed once a day, and at once for a certificate never planned.
const (
	planMaxAge    = 24 * time.Hour
	planBatchSize = 5000
	// remindBatchSize bounds one transaction of the sweep: its reminders,
	// deliveries and jobs.
	remindBatchSize = 5000
	// reissueDueKey records the one reissue-due reminder of a certificate
	// whose next step is a reissue, in place of its renew-by thresholds.
	reissueDueKey  = "reissue-due"
	escalateOwners = "escalate-owners"
	escalateAdmins = "escalate-admins"
)

// SweepResult counts what a sweep did.
type SweepResult struct {
	Planned   int // plans computed
	Due       int // certificates with a reminder due now
	Sent      int // messages recorded for delivery (new recipients only)
	Escalated int // escalation messages recorded
	// OrderAlerts counts the order overdue and approval pending messages recorded.
	OrderAlerts int
}

// Sweep refreshes stale renewal plans and sends the reminders that are due:
// per certificate the most urgent threshold whose time has come (a late sweep
// skips the missed, less urgent ones), to each recipient at most once ever,
// and escalations when the renew-by date passed with no renewal under way;
// then the order alerts (overdue at the CA, approval email waiting), once per
// order. Any number of sweeps may run at once: the unique record of each
// reminder (fingerprint, threshold, recipient) and of each order alert (order,
// event) lets exactly one of them send it.
//
// Everything is set-based: one query finds what is due, and each batch of
// due rows is recorded with one insert of the reminders, one of the
// deliveries and one of their jobs, in one transaction.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	n, err := s.refreshPlans(ctx)
	if err != nil {
		return res, err
	}
	res.Planned = n
	due, err := s.dueReminders(ctx)
	if err != nil {
		return res, err
	}
	for i := range due {
		if i == 0 || due[i].CertificateID != due[i-1].CertificateID {
			res.Due++
		}
	}
	aud := newAudience(s.cfg.Notifier)
	for start := 0; start < len(due); start += remindBatchSize {
		sent, escalated, err := s.remind(ctx, aud, due[start:min(start+remindBatchSize, len(due))])
		if err != nil {
			return res, err
		}
		res.Sent += sent
		res.Escalated += escalated
	}
	if res.OrderAlerts, err = s.alertOrders(ctx, aud); err != nil {
		return res, err
	}
	return res, nil
}

// refreshPlans plans every live certificate that may come due before the
// next refresh and whose plan is missing or older than a day, in batches: one
// read, the planner in memory, one write. The plans are the sweep's own
// (pages plan on the fly), so a certificate whose earliest possible renew-by
// date, less the largest threshold, is further away than the next refresh
// needs none yet: most certificates, most of the time.
func (s *Service) refreshPlans(ctx context.Context) (int, error) {
	now := s.now()
	past, err := s.pastLeadDays(ctx, s.pool)
	if err != nil {
		return 0, err
	}
	horizon := now.Add(planMaxAge + 24*time.Hour)
	total := 0
	var after int64
	for {
		rows, err := s.pool.Query(ctx, planInputSQL+`
			LEFT JOIN certificate_plans p ON p.certificate_id = c.id
			WHERE c.id > $1 AND c.not_after > $2 AND (p.certificate_id IS NULL OR p.planned_at < $3)
			  AND c.not_after - greatest((c.not_after - c.not_before) / 3, make_interval(days => $5)) - make_interval(days => $6) <= $7
			ORDER BY c.id LIMIT $4`, after, now.Add(-24*time.Hour), now.Add(-planMaxAge), planBatchSize,
			s.leadCalendarDaysBound(past), s.maxThresholdDays(), horizon)
		if err != nil {
			return total, fmt.Errorf("lifecycle: read certificates to plan: %w", err)
		}
		ins, err := scanPlanInputs(rows)
		if err != nil {
			return total, fmt.Errorf("lifecycle: read certificates to plan: %w", err)
		}
		if len(ins) == 0 {
			return total, nil
		}
		ids := make([]int64, 0, len(ins))
		renewBy := make([]time.Time, 0, len(ins))
		kinds := make([]string, 0, len(ins))
		leads := make([]int32, 0, len(ins))
		for i := range ins {
			p, err := s.plan(&ins[i], past)
			if err != nil {
				s.log.Warn("certificate cannot be planned", "certificate_id", ins[i].CertificateID, "error", err.Error())
				continue
			}
			ids, renewBy, kinds, leads = append(ids, p.CertificateID), append(renewBy, p.RenewBy), append(kinds, string(p.Kind)), append(leads, int32(p.LeadDays))
		}
		_, err = s.pool.Exec(ctx, `
			INSERT INTO certificate_plans (certificate_id, renew_by, renewal_kind, lead_days, planned_at)
			SELECT * , $5::timestamptz FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::int[])
			ON CONFLICT (certificate_id) DO UPDATE SET renew_by = EXCLUDED.renew_by, renewal_kind = EXCLUDED.renewal_kind,
				lead_days = EXCLUDED.lead_days, planned_at = EXCLUDED.planned_at`, ids, renewBy, kinds, leads, now)
		if err != nil {
			return total, fmt.Errorf("lifecycle: record plans: %w", err)
		}
		total += len(ids)
		after = ins[len(ins)-1].CertificateID
		if len(ins) < planBatchSize {
			return total, nil
		}
	}
}

// leadCalendarDaysBound is more calendar days than any certificate's lead
// time can span: the longest verification time of any level (default or past
// orders) plus the install buffer, in business days, doubled for weekends and
// holidays, plus two weeks.
func (s *Service) leadCalendarDaysBound(past map[lifetimes.Validation][]int) int {
	longest := 0
	for level, days := range s.planner.VerificationDays {
		longest = max(longest, days)
		for _, d := range past[level] {
			longest = max(longest, d)
		}
	}
	return 2*(longest+s.planner.InstallBufferDays) + 14
}

// maxThresholdDays is the earliest any threshold falls before its anchor
// (scaling only brings thresholds closer).
func (s *Service) maxThresholdDays() int {
	days := 0
	for _, t := range s.cfg.Thresholds {
		days = max(days, t.DaysBefore)
	}
	return days
}

// dueReminder is one certificate's reminder to send now.
type dueReminder struct {
	CertificateID int64
	Fingerprint   string
	CommonName    string
	RequirementID int64
	Threshold     string
	Anchor        string
	NotAfter      time.Time
	RenewBy       time.Time
	Kind          string
	ProjectID     int64
	ClientID      int64
}

// dueSQL picks, in one set-based query, each live, not superseded
// certificate's most urgent due threshold (thresholds scaled down for
// lifetimes under 100 days as lifetimes.ScaleThresholds does), and the
// escalations of certificates past their renew-by date with no renewal under
// way: no newer certificate, no live order made since it was issued, no
// reissue.
const dueSQL = `
WITH th AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS t(key, anchor, days, ord)
), live AS (
    SELECT c.id, c.fingerprint_sha256, c.common_name, c.requirement_id, c.not_before, c.not_after, p.renew_by, p.renewal_kind,
           r.project_id, pj.client_id
    FROM certificate_plans p
    JOIN certificates c ON c.id = p.certificate_id
    JOIN requirements r ON r.id = c.requirement_id
    JOIN projects pj ON pj.id = r.project_id
    WHERE p.renew_by <= $5::timestamptz + make_interval(days => $6::int) AND c.not_after > $5::timestamptz
      AND NOT EXISTS (` + newerPassingInstall + `)
), reminders AS (
    SELECT DISTINCT ON (l.id) l.*,
           CASE WHEN l.renewal_kind = 'reissue' AND t.anchor = 'renew_by' THEN '` + reissueDueKey + `' ELSE t.key END AS key, t.anchor
    FROM live l CROSS JOIN th t
    CROSS JOIN LATERAL (SELECT CASE WHEN l.not_after - l.not_before < interval '100 days'
        THEN greatest(1, floor(t.days * extract(epoch FROM l.not_after - l.not_before) / 8640000.0 + 0.5)::int)
        ELSE t.days END AS days) sc
    WHERE (CASE WHEN t.anchor = 'renew_by' THEN l.renew_by ELSE l.not_after END) - make_interval(days => sc.days) <= $5::timestamptz
    ORDER BY l.id, (CASE WHEN t.anchor = 'renew_by' THEN l.renew_by ELSE l.not_after END) - make_interval(days => sc.days) DESC, t.ord DESC
), stalled AS (
    SELECT l.* FROM live l
    WHERE l.renew_by <= $5::timestamptz
      AND NOT EXISTS (SELECT 1 FROM certificates n WHERE n.requirement_id = l.requirement_id AND n.not_before > l.not_before)
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.requirement_id = l.requirement_id AND o.created_at >= l.not_before
                      AND o.certificate_id IS DISTINCT FROM l.id AND o.state NOT IN ('cancelled', 'declined'))
      AND NOT EXISTS (SELECT 1 FROM reissues ri WHERE ri.certificate_id = l.id)
)
SELECT id, fingerprint_sha256, common_name, requirement_id, key, anchor, not_after, renew_by, renewal_kind, project_id, client_id
FROM reminders
UNION ALL
SELECT id, fingerprint_sha256, common_name, requirement_id,
       CASE WHEN renew_by + $7::interval <= $5::timestamptz THEN '` + escalateAdmins + `' ELSE '` + escalateOwners + `' END,
       'escalation', not_after, renew_by, renewal_kind, project_id, client_id
FROM stalled
ORDER BY 1, 5`

func (s *Service) dueReminders(ctx context.Context) ([]dueReminder, error) {
	keys, anchors, days, ords := []string{}, []string{}, []int32{}, []int32{}
	maxDays := 0
	for i, t := range s.cfg.Thresholds {
		keys, anchors, days, ords = append(keys, t.Key), append(anchors, string(t.Anchor)), append(days, int32(t.DaysBefore)), append(ords, int32(i))
		maxDays = max(maxDays, t.DaysBefore)
	}
	rows, err := s.pool.Query(ctx, dueSQL, keys, anchors, days, ords, s.now(), maxDays, s.cfg.EscalateAdminsAfter)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: due reminders: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dueReminder, error) {
		var d dueReminder
		err := row.Scan(&d.CertificateID, &d.Fingerprint, &d.CommonName, &d.RequirementID, &d.Threshold, &d.Anchor,
			&d.NotAfter, &d.RenewBy, &d.Kind, &d.ProjectID, &d.ClientID)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: due reminders: %w", err)
	}
	return out, nil
}

func (s *Service) event(d dueReminder) notify.Event {
	ev := notify.Event{CertificateID: d.CertificateID, RequirementID: d.RequirementID, ProjectID: d.ProjectID, ClientID: d.ClientID, At: s.now(),
		Link: fmt.Sprintf("/certificates/%d", d.CertificateID)}
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	next := "a renewal order"
	if d.Kind == string(lifetimes.Reissue) {
		next = "a reissue inside the subscription"
	}
	switch {
	case d.Anchor == "escalation":
		ev.Type = notify.RenewByReached
		ev.Subject = fmt.Sprintf("Renew-by date passed for %s", d.CommonName)
		ev.Text = fmt.Sprintf("The certificate for %s should have been renewed by %s and nothing is under way; it expires on %s. Start %s now.",
			d.CommonName, day(d.RenewBy), day(d.NotAfter), next)
		ev.AlsoAdmins = d.Threshold == escalateAdmins
	case d.Anchor == string(lifetimes.AnchorExpiry):
		ev.Type = notify.ExpiryThreshold
		ev.Subject = fmt.Sprintf("%s expires on %s", d.CommonName, day(d.NotAfter))
		ev.Text = fmt.Sprintf("The certificate for %s expires on %s. Its renew-by date was %s: start %s now if it is not under way.",
			d.CommonName, day(d.NotAfter), day(d.RenewBy), next)
	case d.Threshold == reissueDueKey:
		ev.Type = notify.ReissueDue
		ev.Subject = fmt.Sprintf("Reissue %s by %s", d.CommonName, day(d.RenewBy))
		ev.Text = fmt.Sprintf("The certificate for %s expires on %s, inside its paid subscription: the next step is a reissue with a new key and CSR "+
			"(Renew on the certificate's page), to start by %s.", d.CommonName, day(d.NotAfter), day(d.RenewBy))
	default:
		ev.Type = notify.RenewalDue
		ev.Subject = fmt.Sprintf("Renew %s by %s", d.CommonName, day(d.RenewBy))
		ev.Text = fmt.Sprintf("The certificate for %s expires on %s; the next step is %s, to start by %s.",
			d.CommonName, day(d.NotAfter), next, day(d.RenewBy))
	}
	return ev
}

// audience remembers who hears of an event of a kind in a place: every due
// row of a sweep with the same event type, project, client and escalation
// goes to the same people and channels, so they are asked for once.
type audience struct {
	n    Notifier
	seen map[audienceKey][]notify.Recipient
}

type audienceKey struct {
	Type              notify.EventType
	Project, Client   int64
	Admins, OnlyHuman bool
}

func newAudience(n Notifier) *audience {
	return &audience{n: n, seen: map[audienceKey][]notify.Recipient{}}
}

func (a *audience) of(ctx context.Context, q db.DBTX, ev *notify.Event) ([]notify.Recipient, error) {
	k := audienceKey{ev.Type, ev.ProjectID, ev.ClientID, ev.AlsoAdmins, ev.OnlyPeople}
	if to, ok := a.seen[k]; ok {
		return to, nil
	}
	to, err := a.n.Recipients(ctx, q, ev)
	if err != nil {
		return nil, err
	}
	a.seen[k] = to
	return to, nil
}

// remind records one batch of due reminders: one insert claims each
// (fingerprint, threshold, recipient) that has not had it (the unique rule
// decides, so two sweeps at once send each once), and one insert records the
// messages of the claims that came back, with their jobs, in the same
// transaction. It returns the reminder and escalation messages recorded.
// The batch is in (certificate, threshold) order, so sweeps running at once
// take their claims in the same order and cannot deadlock.
func (s *Service) remind(ctx context.Context, aud *audience, due []dueReminder) (sent, escalated int, err error) {
	if s.cfg.Notifier == nil {
		return 0, 0, nil
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		events := make([]notify.Event, len(due))
		var (
			fingerprints, thresholds, keys []string
			certificateIDs                 []int64
			claims                         []notify.Outgoing
		)
		for i, d := range due {
			events[i] = s.event(d)
			to, err := aud.of(ctx, tx, &events[i])
			if err != nil {
				return err
			}
			for _, r := range to {
				fingerprints, thresholds, keys = append(fingerprints, d.Fingerprint), append(thresholds, d.Threshold), append(keys, r.Key())
				certificateIDs = append(certificateIDs, d.CertificateID)
				claims = append(claims, notify.Outgoing{Event: &events[i], To: r})
			}
		}
		if len(claims) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO reminders_sent (fingerprint_sha256, certificate_id, threshold, recipient, sent_at)
			SELECT f, c, t, r, $5 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS x(f, c, t, r)
			ON CONFLICT ON CONSTRAINT reminders_sent_once DO NOTHING
			RETURNING fingerprint_sha256, threshold, recipient`, fingerprints, certificateIDs, thresholds, keys, s.now())
		if err != nil {
			return err
		}
		type claim struct{ fingerprint, threshold, recipient string }
		won := map[claim]bool{}
		var c claim
		if _, err := pgx.ForEachRow(rows, []any{&c.fingerprint, &c.threshold, &c.recipient}, func() error {
			won[c] = true
			return nil
		}); err != nil {
			return err
		}
		send := claims[:0]
		for j, o := range claims {
			if !won[claim{fingerprints[j], thresholds[j], keys[j]}] {
				continue
			}
			send = append(send, o)
			if thresholds[j] == escalateOwners || thresholds[j] == escalateAdmins {
				escalated++
			} else {
				sent++
			}
		}
		_, err = s.cfg.Notifier.SendManyTx(ctx, tx, send)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("lifecycle: record %d reminders from certificate %d: %w", len(due), due[0].CertificateID, err)
	}
	return sent, escalated, nil
}
