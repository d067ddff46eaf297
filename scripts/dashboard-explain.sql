-- The dashboard's queries (every client), for EXPLAIN ANALYZE at scale:
--   psql -h PORTAL_DATA_DIR/pg/run -U postgres certportal -f scripts/dashboard-explain.sql
\echo === open requirements
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT r.id, r.project_id, p.name, c.id, c.display_name, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0), r.hostnames, c.legal_name FROM requirements r JOIN projects p ON p.id = r.project_id JOIN clients c ON c.id = p.client_id
 WHERE (0 = 0 OR p.client_id = 0) AND NOT EXISTS (SELECT 1 FROM certificates ce WHERE ce.requirement_id = r.id AND ce.not_after > now())
 AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.requirement_id = r.id AND o.state = ANY('{submitting,unknown,pending,in-progress,awaiting-approval,approver-confirmed,completed,issued}'))
 ORDER BY lower(c.display_name), lower(p.name), r.id;
\echo === attention orders
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT o.id FROM orders o JOIN requirements r ON r.id = o.requirement_id JOIN projects p ON p.id = r.project_id JOIN clients c ON c.id = p.client_id JOIN csrs s ON s.id = o.csr_id LEFT JOIN contacts ac ON ac.id = o.admin_contact_id
 WHERE (0 = 0 OR p.client_id = 0) AND (o.state = 'unknown' OR (o.state = 'declined' AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.replaces_order_id = o.id)) OR (o.state IN ('pending','in-progress','awaiting-approval','approver-confirmed','completed') AND o.submitted_at < now() - interval '5 days'))
 ORDER BY lower(c.display_name), lower(p.name), o.id;
\echo === order counts
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT p.client_id, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0), o.state, count(*) FROM orders o JOIN requirements r ON r.id = o.requirement_id JOIN projects p ON p.id = r.project_id GROUP BY 1, 2, 3, 4;
\echo === latest certificate per requirement
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT l.id, r.id, p.id, p.name, c.id, c.display_name, l.common_name, l.not_after FROM requirements r JOIN projects p ON p.id = r.project_id JOIN clients c ON c.id = p.client_id
 CROSS JOIN LATERAL (SELECT ce.id, ce.common_name, ce.not_after FROM certificates ce WHERE ce.requirement_id = r.id ORDER BY ce.not_after DESC, ce.id DESC LIMIT 1) l
 WHERE l.not_after < now() + interval '12 months' ORDER BY l.not_after, l.id;
\echo === projects (flags)
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT p.id, (SELECT count(*) FROM requirements r WHERE r.project_id = p.id), EXISTS (SELECT 1 FROM certificates ce JOIN requirements r ON r.id = ce.requirement_id WHERE r.project_id = p.id AND ce.not_after > now()) FROM projects p JOIN clients c ON c.id = p.client_id ORDER BY lower(p.name), p.id;
\echo === failed installs
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT i.id, c.id, r.id, p.id, p.name, cl.id, cl.display_name, i.environment, i.hostname, k.checked_at,
 COALESCE((SELECT ch->>'message' FROM jsonb_array_elements(k.result->'addresses') a, jsonb_array_elements(a->'checks') ch WHERE NOT (ch->>'ok')::boolean AND ch->>'severity' = 'error' LIMIT 1), '')
 FROM installs i JOIN install_checks k ON k.id = i.failing_check_id
 CROSS JOIN LATERAL (SELECT ce.id, ce.requirement_id FROM certificates ce WHERE ce.id = i.certificate_id OFFSET 0) c JOIN requirements r ON r.id = c.requirement_id
 JOIN projects p ON p.id = r.project_id JOIN clients cl ON cl.id = p.client_id WHERE i.failing_check_id IS NOT NULL AND i.retired_at IS NULL ORDER BY k.checked_at DESC, i.id;
\echo === low grades
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT i.id, s.id, c.id, r.id, p.id, p.name, cl.id, cl.display_name, i.environment, i.hostname, s.grade, s.finished_at
 FROM (SELECT DISTINCT ON (install_id) id, install_id, grade, finished_at FROM install_scans WHERE status = 'done' AND grade <> '' ORDER BY install_id, id DESC) s
 JOIN installs i ON i.id = s.install_id
 CROSS JOIN LATERAL (SELECT ce.id, ce.requirement_id FROM certificates ce WHERE ce.id = i.certificate_id OFFSET 0) c JOIN requirements r ON r.id = c.requirement_id
 JOIN projects p ON p.id = r.project_id JOIN clients cl ON cl.id = p.client_id
 WHERE i.retired_at IS NULL AND s.grade <> ALL('{A+,A}') ORDER BY s.grade DESC, i.id;
\echo === version
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) SELECT version FROM dashboard_state;
