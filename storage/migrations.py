"""Named, ordered schema migrations. Each runs once, recorded in ``schema_migrations``.

Append new migrations at the end; never edit one that has shipped.
"""
from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core_records",
        """
        CREATE SEQUENCE post_seq START 1;

        CREATE TABLE people (
            person_id      VARCHAR PRIMARY KEY,
            name           VARCHAR NOT NULL,
            tier           INTEGER,              -- key-client tier (1 = most important); NULL otherwise
            is_key_client  BOOLEAN NOT NULL DEFAULT false,
            notes          VARCHAR,
            created_at     TIMESTAMPTZ NOT NULL
        );

        CREATE TABLE identities (
            identity_uid   VARCHAR PRIMARY KEY,  -- platform:handle (lowercase)
            platform       VARCHAR NOT NULL,
            handle         VARCHAR NOT NULL,
            display_name   VARCHAR,
            native_id      VARCHAR,
            url            VARCHAR,
            followers      BIGINT,
            is_follower    BOOLEAN,              -- follows one of our accounts (NULL = unknown)
            is_ours        BOOLEAN NOT NULL DEFAULT false,
            person_id      VARCHAR NOT NULL,
            first_seen     TIMESTAMPTZ,
            last_seen      TIMESTAMPTZ
        );

        -- config's claims on identities: exact handles, or for blogs a name on any host
        CREATE TABLE identity_claims (
            platform   VARCHAR NOT NULL,
            handle     VARCHAR NOT NULL,            -- lowercase; a blog name without '@host' matches every host
            person_id  VARCHAR NOT NULL,
            PRIMARY KEY (platform, handle)
        );

        CREATE TABLE posts (
            post_uid          VARCHAR PRIMARY KEY,   -- platform:native_id
            seq               BIGINT NOT NULL,       -- insertion order; stage cursors follow it
            platform          VARCHAR NOT NULL,
            native_id         VARCHAR NOT NULL,
            kind              VARCHAR NOT NULL,      -- post | comment | mention | reply
            url               VARCHAR,
            title             VARCHAR,
            text              VARCHAR NOT NULL,
            created_at        TIMESTAMPTZ NOT NULL,
            author_uid        VARCHAR NOT NULL,
            parent_uid        VARCHAR,
            conversation_uid  VARCHAR,
            parent_url        VARCHAR,
            lang              VARCHAR,
            mentions          VARCHAR[],
            raw               JSON,
            source            VARCHAR NOT NULL,
            retrieved_at      TIMESTAMPTZ NOT NULL
        );

        CREATE TABLE tags (
            post_uid          VARCHAR PRIMARY KEY,
            seq               BIGINT NOT NULL,
            lang              VARCHAR,
            sentiment_score   DOUBLE,               -- -1 .. 1; NULL when the language is not scored
            sentiment_label   VARCHAR,
            topics            VARCHAR[],
            intents           VARCHAR[],
            moments           JSON,                 -- [{type, confidence, evidence, start, end}]
            addressed_to_us   BOOLEAN NOT NULL,     -- mentions us, or answers one of our posts
            from_us           BOOLEAN NOT NULL,
            tagged_at         TIMESTAMPTZ NOT NULL,
            pipeline_version  VARCHAR NOT NULL
        );

        CREATE TABLE interactions (
            interaction_id  VARCHAR PRIMARY KEY,    -- derived, so re-deriving is idempotent
            person_id       VARCHAR NOT NULL,
            identity_uid    VARCHAR,
            post_uid        VARCHAR,
            direction       VARCHAR NOT NULL,       -- inbound | outbound
            kind            VARCHAR NOT NULL,       -- mention | reply | comment | touch:<kind>
            occurred_at     TIMESTAMPTZ NOT NULL,
            note            VARCHAR
        );

        CREATE TABLE reply_suggestions (
            suggestion_id   VARCHAR PRIMARY KEY,
            post_uid        VARCHAR NOT NULL UNIQUE,
            person_id       VARCHAR NOT NULL,
            platform        VARCHAR NOT NULL,
            intent          VARCHAR NOT NULL,
            text            VARCHAR NOT NULL,
            original_text   VARCHAR NOT NULL,
            reason          VARCHAR NOT NULL,
            priority        DOUBLE NOT NULL,
            status          VARCHAR NOT NULL,       -- pending | approved | sent | dismissed
            created_at      TIMESTAMPTZ NOT NULL,
            updated_at      TIMESTAMPTZ NOT NULL,
            decided_by      VARCHAR,
            decided_at      TIMESTAMPTZ,
            sent_post_uid   VARCHAR,
            sent_at         TIMESTAMPTZ
        );

        CREATE TABLE alerts (
            alert_id         VARCHAR PRIMARY KEY,   -- rule:post_uid, one alert per post per rule
            rule             VARCHAR NOT NULL,
            post_uid         VARCHAR,
            person_id        VARCHAR,
            title            VARCHAR NOT NULL,
            reason           VARCHAR NOT NULL,
            url              VARCHAR,
            created_at       TIMESTAMPTZ NOT NULL,
            delivery_status  VARCHAR NOT NULL,      -- pending | delivered | failed | suppressed
            attempts         INTEGER NOT NULL DEFAULT 0,
            delivered_at     TIMESTAMPTZ,
            last_error       VARCHAR
        );

        CREATE TABLE source_state (
            source           VARCHAR PRIMARY KEY,
            source_type      VARCHAR NOT NULL,
            state            JSON NOT NULL,         -- cursor, validators, seen ids at the boundary
            last_run_at      TIMESTAMPTZ,
            last_success     TIMESTAMPTZ,
            last_error       VARCHAR,
            last_error_at    TIMESTAMPTZ,
            last_note        VARCHAR,
            next_allowed_at  TIMESTAMPTZ,
            posts_stored     BIGINT NOT NULL DEFAULT 0,
            last_new         BIGINT NOT NULL DEFAULT 0
        );

        CREATE TABLE stage_cursors (
            stage      VARCHAR PRIMARY KEY,          -- tag | engage
            last_seq   BIGINT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );

        CREATE TABLE job_runs (
            run_id       VARCHAR PRIMARY KEY,
            job          VARCHAR NOT NULL,
            started_at   TIMESTAMPTZ NOT NULL,
            finished_at  TIMESTAMPTZ,
            status       VARCHAR NOT NULL,           -- running | ok | failed | dry-run
            counts       JSON,
            error        VARCHAR
        );

        -- who we hear from and answer, per person: the raw material of relationship health
        CREATE VIEW person_activity AS
        SELECT person_id,
               count(*) FILTER (WHERE direction = 'inbound')  AS inbound_count,
               count(*) FILTER (WHERE direction = 'outbound') AS outbound_count,
               max(occurred_at) FILTER (WHERE direction = 'inbound')  AS last_inbound_at,
               max(occurred_at) FILTER (WHERE direction = 'outbound') AS last_outbound_at,
               max(occurred_at) AS last_interaction_at,
               min(occurred_at) AS first_interaction_at
        FROM interactions
        GROUP BY person_id;
        """,
    ),
    (
        "0002_relationships",
        """
        -- manual merges and splits: they win over automatic and config assignments, so re-collection
        -- never undoes them
        CREATE TABLE person_overrides (
            identity_uid  VARCHAR PRIMARY KEY,
            person_id     VARCHAR NOT NULL,
            action        VARCHAR NOT NULL,        -- merge | split
            created_at    TIMESTAMPTZ NOT NULL
        );

        -- a relationship's health per person and day; the trend compares against these
        CREATE TABLE health_snapshots (
            person_id    VARCHAR NOT NULL,
            day          DATE NOT NULL,
            time         DOUBLE NOT NULL,
            trust        DOUBLE NOT NULL,
            intensity    DOUBLE NOT NULL,
            reciprocity  DOUBLE NOT NULL,
            overall      DOUBLE NOT NULL,
            computed_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (person_id, day)
        );

        CREATE TABLE reach_out_snoozes (
            person_id    VARCHAR NOT NULL,
            reason       VARCHAR NOT NULL,         -- moment | quiet | negative | unanswered | imbalance | any
            until        TIMESTAMPTZ NOT NULL,
            created_at   TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (person_id, reason)
        );

        -- replies a human edited and sent, generalised ({name}) to become variants for their intent
        CREATE TABLE reply_variants (
            intent      VARCHAR NOT NULL,
            template    VARCHAR NOT NULL,
            created_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (intent, template)
        );

        ALTER TABLE reply_suggestions ADD COLUMN edited_at TIMESTAMPTZ;
        ALTER TABLE reply_suggestions ADD COLUMN last_error VARCHAR;
        """,
    ),
    (
        "0003_followers",
        """
        ALTER TABLE identities ADD COLUMN follower_seen_at TIMESTAMPTZ;  -- last walk of our followers that saw them
        """,
    ),
    (
        "0004_alert_delivery",
        """
        -- alerts: when an alert was handed to its channels (quiet hours and the hourly cap hold it until then),
        -- its order in the queue (key clients first) and the rule's own facts (spike numbers, tier, …)
        ALTER TABLE alerts ADD COLUMN released_at TIMESTAMPTZ;
        ALTER TABLE alerts ADD COLUMN priority INTEGER NOT NULL DEFAULT 9;   -- 1..5 = key-client tier
        ALTER TABLE alerts ADD COLUMN details JSON;
        -- alerts already handled by the console-only delivery are not sent again
        UPDATE alerts SET released_at = coalesce(delivered_at, created_at) WHERE delivery_status <> 'pending';

        -- one row per alert and channel: a channel that succeeded is never sent again
        CREATE TABLE alert_deliveries (
            alert_id         VARCHAR NOT NULL,
            channel          VARCHAR NOT NULL,      -- console | email | webhook
            status           VARCHAR NOT NULL,      -- pending | delivered | failed (after max_attempts)
            attempts         INTEGER NOT NULL DEFAULT 0,
            last_error       VARCHAR,
            last_attempt_at  TIMESTAMPTZ,
            delivered_at     TIMESTAMPTZ,
            external_id      VARCHAR,               -- the email's Message-ID
            PRIMARY KEY (alert_id, channel)
        );
        """,
    ),
    (
        "0005_answered_posts",
        """
        -- posts one of our accounts has replied to: what "answered" means everywhere
        CREATE VIEW answered_posts AS
        SELECT DISTINCT r.parent_uid AS post_uid
        FROM posts r JOIN identities ri ON ri.identity_uid = r.author_uid
        WHERE ri.is_ours AND r.parent_uid IS NOT NULL;
        """,
    ),
    (
        "0006_term_daily",
        """
        -- how many posts used each keyphrase (word, #hashtag, two-word phrase) per local day
        -- (schedule.timezone); English posts by others only. Filled in bulk by the tag stage
        -- (storage/terms.py), read by the digest's "Emerging today".
        CREATE TABLE term_daily (
            day   DATE NOT NULL,
            term  VARCHAR NOT NULL,
            n     INTEGER NOT NULL,
            PRIMARY KEY (day, term)
        );
        """,
    ),
    # issue 16: hardening
    (
        "0016_1_queue_sending_owner",
        """
        -- who is sending a reply right now (host:pid:process start), so an item left in 'sending' by a
        -- process that died becomes 'unknown' (maybe posted) and is reconciled with the platform
        ALTER TABLE reply_suggestions ADD COLUMN sending_owner VARCHAR;
        ALTER TABLE reply_suggestions ADD COLUMN sending_started_at TIMESTAMPTZ;
        """,
    ),
    # issue 17: understanding posts
    (
        "0017_1_tag_evidence",
        """
        -- each intent's evidence: the words of the post that show it, {intent: span}; quoted by the queue,
        -- the alerts and the digest
        ALTER TABLE tags ADD COLUMN evidence JSON;
        -- posts whose language could not be told are 'und', never scored as English
        UPDATE tags SET lang = 'und' WHERE lang IS NULL;
        """,
    ),
    (
        "0017_2_unescape_x_text",
        """
        -- X sends tweet text HTML-escaped (&lt; &gt; &amp;); it is now unescaped once at ingest. Posts stored
        -- before keep the escaped text: unescape them the same way (&amp; last, so "&amp;lt;" becomes "&lt;").
        UPDATE posts
        SET text = replace(replace(replace(text, '&lt;', '<'), '&gt;', '>'), '&amp;', '&')
        -- only text that came verbatim from an X API tweet (its raw object has the same text and no CSV
        -- "platform" column): a CSV export's text is as the user wrote it
        WHERE platform = 'x' AND (text LIKE '%&lt;%' OR text LIKE '%&gt;%' OR text LIKE '%&amp;%')
          AND json_extract_string(raw, '$.text') = text AND json_extract_string(raw, '$.platform') IS NULL;
        """,
    ),
    # issue 18: who a post is about
    (
        "0018_1_brand_tags",
        """
        -- addressed_to_us stays what "to us" means (our handle, a reply to us, a comment on our blog);
        -- these say who a post is ABOUT (nlp/brands.py), whether or not it tags anyone
        ALTER TABLE tags ADD COLUMN about_us BOOLEAN DEFAULT false;        -- names brand.names, outside brand.exclude
        ALTER TABLE tags ADD COLUMN competitors VARCHAR[] DEFAULT [];     -- the competitors[].name it names
        ALTER TABLE tags ADD COLUMN thread_about_us BOOLEAN DEFAULT false; -- its thread's root is about, to or by us
        """,
    ),
    (
        "0019_1_reply_candidates",
        """
        -- issue 19: every suggestion keeps its alternatives (text, style, reason, the knowledge entries each used),
        -- the entries the suggested reply drew on, and which backend wrote it (composer | llm)
        ALTER TABLE reply_suggestions ADD COLUMN candidates JSON;
        ALTER TABLE reply_suggestions ADD COLUMN sources JSON;
        ALTER TABLE reply_suggestions ADD COLUMN backend VARCHAR;
        -- one row per LLM draft attempt: what it cost and how it ended (ok, or why the composer's reply stood)
        CREATE TABLE reply_drafts (
            post_uid           VARCHAR NOT NULL,
            model              VARCHAR NOT NULL,
            outcome            VARCHAR NOT NULL,   -- ok | rejected | timeout | rate_limited | http_error | ...
            detail             VARCHAR,
            prompt_tokens      INTEGER,
            completion_tokens  INTEGER,
            ms                 INTEGER NOT NULL,
            created_at         TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    (
        "0022_1_contacts_team_audit",
        """
        -- people imported from a CRM export, a vCard file or a Monica export (`listenwell people import`).
        -- One row per contact in its file (source_key is what identifies it there across reruns); contact_id
        -- is the person it created, person_id the person it feeds now (another one after a merge, or the
        -- config key client of the same name).
        CREATE TABLE contacts (
            contact_id   VARCHAR PRIMARY KEY,      -- ct:<slug>
            source_key   VARCHAR NOT NULL UNIQUE,  -- hubspot:123 | salesforce:003… | vcard:UID | monica:uuid | email:… | name:…
            person_id    VARCHAR NOT NULL,
            name         VARCHAR NOT NULL,
            tier         INTEGER,                  -- 1..5 makes them a key client
            company      VARCHAR,
            emails       VARCHAR[] NOT NULL,
            website      VARCHAR,
            notes        VARCHAR,
            origin       VARCHAR NOT NULL,         -- csv | hubspot | salesforce | vcard | monica
            file         VARCHAR NOT NULL,         -- the file name it came from (no folder)
            imported_at  TIMESTAMPTZ NOT NULL,
            updated_at   TIMESTAMPTZ NOT NULL
        );
        -- the handles an imported contact claims (like key_clients' handles in config; config wins)
        CREATE TABLE contact_handles (
            platform    VARCHAR NOT NULL,
            handle      VARCHAR NOT NULL,          -- lowercase; a blog name without '@host' matches every host
            contact_id  VARCHAR NOT NULL,
            PRIMARY KEY (platform, handle)
        );

        -- who did what: every queue action, touch, merge, undo, import, user and token change
        CREATE SEQUENCE audit_seq START 1;
        CREATE TABLE audit_log (
            seq          BIGINT PRIMARY KEY,
            occurred_at  TIMESTAMPTZ NOT NULL,
            actor    VARCHAR NOT NULL,             -- a user name, or the OS user for the CLI
            action   VARCHAR NOT NULL,             -- queue.approve | touch.log | people.merge | …
            target   VARCHAR NOT NULL,             -- rs-…, touch:…, a person id, …
            details  JSON
        );

        -- a merge, kept so that `people split MERGE_ID` can give the merged person back whole
        CREATE TABLE merges (
            merge_id     VARCHAR PRIMARY KEY,      -- mg-…
            kept         VARCHAR NOT NULL,
            merged       VARCHAR NOT NULL,
            person_row   JSON NOT NULL,            -- the merged person's people row
            identities   VARCHAR[] NOT NULL,
            interactions VARCHAR[] NOT NULL,       -- touches that had no identity and followed the person
            contacts     VARCHAR[] NOT NULL,
            merged_by    VARCHAR NOT NULL,
            merged_at    TIMESTAMPTZ NOT NULL,
            undone_at    TIMESTAMPTZ,
            undone_by    VARCHAR
        );

        -- people that are probably the same human, proposed with the evidence, decided by a person
        CREATE TABLE merge_suggestions (
            suggestion_id  VARCHAR PRIMARY KEY,    -- ms-…, from the pair of identities
            identity_a     VARCHAR NOT NULL,
            identity_b     VARCHAR NOT NULL,
            score          DOUBLE NOT NULL,
            evidence       JSON NOT NULL,          -- [{kind, detail}]
            status         VARCHAR NOT NULL,       -- pending | accepted | rejected
            created_at     TIMESTAMPTZ NOT NULL,
            decided_by     VARCHAR,
            decided_at     TIMESTAMPTZ,
            merge_id       VARCHAR
        );

        -- named users of the web app and API tokens (listenwell/team.py)
        CREATE TABLE users (
            name           VARCHAR PRIMARY KEY,    -- lowercase login name
            display_name   VARCHAR NOT NULL,
            role           VARCHAR NOT NULL,       -- viewer | editor | admin
            password_hash  VARCHAR NOT NULL,       -- argon2id
            created_at     TIMESTAMPTZ NOT NULL,
            disabled_at    TIMESTAMPTZ
        );
        CREATE TABLE api_tokens (
            token_id      VARCHAR PRIMARY KEY,     -- the public part: lwt_<id>
            name          VARCHAR NOT NULL,
            secret_hash   VARCHAR NOT NULL,        -- sha256 of the secret part (it is random, 256 bits)
            created_by    VARCHAR NOT NULL,
            created_at    TIMESTAMPTZ NOT NULL,
            last_used_at  TIMESTAMPTZ,
            revoked_at    TIMESTAMPTZ
        );

        ALTER TABLE reply_suggestions ADD COLUMN assigned_to VARCHAR;
        ALTER TABLE interactions ADD COLUMN logged_by VARCHAR;       -- touches: who logged it
        ALTER TABLE reach_out_snoozes ADD COLUMN snoozed_by VARCHAR;
        """,
    ),
    (
        "0029_1_api_usage",
        """
        -- issue 21: what each stream read and each reply wrote, per source and UTC day (X bills per post read
        -- and written: the month's spend and the budget are sums of these rows, priced from config)
        CREATE TABLE api_usage (
            source    VARCHAR NOT NULL,
            platform  VARCHAR NOT NULL,
            stream    VARCHAR NOT NULL,      -- a collector's stream (mentions, search:…) or 'replies'
            day       DATE NOT NULL,         -- UTC
            reads     BIGINT NOT NULL DEFAULT 0,
            writes    BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (source, stream, day)
        );
        """,
    ),
]
