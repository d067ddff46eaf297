-- Clients, their contacts and good-standing records, projects and certificate
-- requirements, and dated domain-registration snapshots (RDAP/WHOIS).

-- +goose Up
CREATE TABLE clients (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    display_name        text NOT NULL,
    legal_name          text NOT NULL DEFAULT '',
    jurisdiction        text NOT NULL DEFAULT '',   -- where registered, e.g. US-IL
    registration_number text NOT NULL DEFAULT '',
    address1            text NOT NULL DEFAULT '',
    address2            text NOT NULL DEFAULT '',
    city                text NOT NULL DEFAULT '',
    state               text NOT NULL DEFAULT '',
    postal_code         text NOT NULL DEFAULT '',
    country             text NOT NULL DEFAULT '',   -- ISO 3166-1 alpha-2
    phone               text NOT NULL DEFAULT '',   -- +1.3125550100, as OpenSRS wants it
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX clients_display_name_key ON clients (lower(display_name));

CREATE TABLE contacts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       bigint NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('admin', 'billing', 'tech', 'organization')),
    first_name      text NOT NULL DEFAULT '',
    last_name       text NOT NULL DEFAULT '',
    title           text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    phone           text NOT NULL DEFAULT '',
    verified_at     timestamptz,
    verified_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    verified_method text CHECK (verified_method IN ('phone', 'email', 'in person')),
    verified_note   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_client_idx ON contacts (client_id, role);

CREATE TABLE good_standing (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   bigint NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('good', 'ngs', 'unknown')),
    source      text NOT NULL DEFAULT '',   -- URL of the registering agency's record
    checked_on  date NOT NULL,
    evidence    text NOT NULL DEFAULT '',
    recorded_by bigint REFERENCES users (id) ON DELETE SET NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX good_standing_client_idx ON good_standing (client_id, checked_on DESC, id DESC);

CREATE TABLE projects (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id          bigint NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    name               text NOT NULL,
    po_id              bigint REFERENCES users (id) ON DELETE SET NULL,
    am_id              bigint REFERENCES users (id) ON DELETE SET NULL,
    kickoff_on         date,
    sprint_one_ends_on date,
    staging_on         date,
    production_on      date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_client_idx ON projects (client_id);

CREATE TABLE requirements (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id     bigint NOT NULL REFERENCES projects (id) ON DELETE RESTRICT,
    hostnames      text[] NOT NULL CHECK (cardinality(hostnames) BETWEEN 1 AND 100),
    public_facing  boolean NOT NULL DEFAULT false,
    takes_payments boolean NOT NULL DEFAULT false,
    validation     text NOT NULL DEFAULT 'ov' CHECK (validation IN ('dv', 'ov', 'ev')),
    obtained_by    text NOT NULL DEFAULT 'agency' CHECK (obtained_by IN ('agency', 'client')),
    needed_by      date,
    notes          text NOT NULL DEFAULT '',
    created_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requirements_project_idx ON requirements (project_id);

-- One row per registrable domain per check: the newest per (requirement, domain) counts.
CREATE TABLE domain_checks (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requirement_id bigint NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    domain         text NOT NULL,
    checked_at     timestamptz NOT NULL DEFAULT now(),
    source         text NOT NULL DEFAULT '',   -- rdap, whois, or '' when the lookup failed
    error          text NOT NULL DEFAULT '',   -- why the lookup failed, fit to show
    registration   jsonb,                      -- verify.Registration when it succeeded
    checked_by     bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX domain_checks_requirement_idx ON domain_checks (requirement_id, domain, checked_at DESC, id DESC);

-- +goose Down
DROP TABLE domain_checks;
DROP TABLE requirements;
DROP TABLE projects;
DROP TABLE good_standing;
DROP TABLE contacts;
DROP TABLE clients;
