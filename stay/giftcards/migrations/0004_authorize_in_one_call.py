"""On PostgreSQL, a plain checkout redemption runs as one database function called in one round
trip (``giftcards/fastpath.py``; docs/adr/0011-redemption-in-one-call.md). It does what
``services.gift_card_authorize`` does for cards that are found and usable, writes the same
rows, and answers NULL, having written nothing, for anything
else: the Python service then handles the call and says what is wrong. SQLite has no such
function and always takes the Python path."""

from django.db import migrations

POSTGRES = [
    # Money as the JSON answers write it: cents 1234 -> "12.34".
    """CREATE OR REPLACE FUNCTION giftcards_money(cents bigint) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT ((cents::numeric) / 100)::numeric(20, 2)::text $$""",
    # A time as Django's JSON encoder writes it: milliseconds, and none when there are no
    # microseconds; "Z" for UTC.
    """CREATE OR REPLACE FUNCTION giftcards_json_time(t timestamptz) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
         SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
             || CASE WHEN mod(extract(microseconds FROM t AT TIME ZONE 'UTC')::bigint, 1000000) = 0 THEN ''
                     ELSE '.' || lpad((mod(extract(microseconds FROM t AT TIME ZONE 'UTC')::bigint, 1000000)
                                      / 1000)::text, 3, '0')
                END
             || 'Z' $$""",
    """CREATE OR REPLACE FUNCTION giftcards_authorize(
           p_store bigint, p_key text, p_fingerprint text, p_hashes text[], p_wanted bigint[],
           p_total bigint, p_currency text, p_capture boolean, p_reference text,
           p_actor text, p_client text, p_now timestamptz, p_contact jsonb
       ) RETURNS jsonb LANGUAGE plpgsql AS $$
       DECLARE
           v_first record;
           v_card record;
           v_hold_minutes integer;
           v_left bigint := p_total;
           v_take bigint;
           v_ids bigint[] := '{}';
           v_takes bigint[] := '{}';
           v_auth bigint;
           v_txn bigint;
           v_expires timestamptz;
           v_cards jsonb;
           v_response jsonb;
           v_status text := CASE WHEN p_capture THEN 'captured' ELSE 'held' END;
           v_first_uses integer;
           i integer;
       BEGIN
           SELECT status, response, fingerprint INTO v_first
             FROM giftcards_idempotencykey WHERE store_id = p_store AND key = p_key;
           IF FOUND THEN
               IF v_first.fingerprint <> p_fingerprint THEN
                   RETURN NULL;  -- the key reused for another call: the service says so
               END IF;
               RETURN jsonb_build_object('status', v_first.status, 'response', v_first.response);
           END IF;
           SELECT hold_minutes INTO v_hold_minutes FROM giftcards_giftcardsettings WHERE store_id = p_store;
           IF NOT FOUND THEN
               RETURN NULL;
           END IF;
           -- Row locks in primary-key order, as services.lock_cards takes them.
           PERFORM 1 FROM giftcards_giftcard WHERE code_hash = ANY (p_hashes) ORDER BY id FOR UPDATE;
           FOR i IN 1 .. cardinality(p_hashes) LOOP
               SELECT * INTO v_card FROM giftcards_giftcard WHERE code_hash = p_hashes[i];
               -- Anything the service would refuse: the service says what is wrong.
               IF NOT FOUND THEN
                   RETURN NULL;
               END IF;
               IF v_card.store_id <> p_store OR v_card.status <> 'active'
                  OR v_card.expires_at <= p_now OR v_card.currency <> p_currency
                  OR p_wanted[i] > v_card.balance - v_card.held THEN
                   RETURN NULL;
               END IF;
               v_take := least(coalesce(p_wanted[i], v_card.balance - v_card.held), v_left);
               IF v_take > 0 THEN
                   v_ids := v_ids || v_card.id;
                   v_takes := v_takes || v_take;
                   v_left := v_left - v_take;
               END IF;
               EXIT WHEN v_left = 0;
           END LOOP;
           IF cardinality(v_ids) = 0 THEN
               RETURN NULL;
           END IF;
           v_expires := p_now + make_interval(mins => v_hold_minutes);
           INSERT INTO giftcards_authorization
               (store_id, reference, currency, requested, amount, captured, refunded, status,
                expires_at, created_at, updated_at)
           VALUES (p_store, p_reference, p_currency, p_total, p_total - v_left,
                   CASE WHEN p_capture THEN p_total - v_left ELSE 0 END, 0, v_status,
                   v_expires, p_now, p_now)
           RETURNING id INTO v_auth;
           FOR i IN 1 .. cardinality(v_ids) LOOP
               INSERT INTO giftcards_hold
                   (authorization_id, card_id, position, amount, captured, refunded, released)
               VALUES (v_auth, v_ids[i], i - 1, v_takes[i],
                       CASE WHEN p_capture THEN v_takes[i] ELSE 0 END, 0, p_capture);
               INSERT INTO giftcards_giftcardevent (store_id, card_id, kind, actor, client, data, created_at)
               VALUES (p_store, v_ids[i], 'authorized', p_actor, p_client,
                       jsonb_build_object('amount', giftcards_money(v_takes[i]), 'authorization', v_auth), p_now);
           END LOOP;
           FOR i IN 1 .. cardinality(v_ids) LOOP
               IF p_capture THEN
                   INSERT INTO giftcards_ledgertransaction
                       (store_id, kind, currency, reference, memo, reverses_id, actor, created_at)
                   VALUES (p_store, 'capture', p_currency, 'authorization:' || v_auth, '', NULL, p_actor, p_now)
                   RETURNING id INTO v_txn;
                   INSERT INTO giftcards_ledgerentry (transaction_id, store_id, account, card_id, amount, currency, created_at)
                   VALUES (v_txn, p_store, 'card', v_ids[i], -v_takes[i], p_currency, p_now),
                          (v_txn, p_store, 'redemptions', NULL, v_takes[i], p_currency, p_now);
                   UPDATE giftcards_giftcard SET balance = balance - v_takes[i], updated_at = p_now
                    WHERE id = v_ids[i];
                   INSERT INTO giftcards_giftcardevent (store_id, card_id, kind, actor, client, data, created_at)
                   VALUES (p_store, v_ids[i], 'captured', p_actor, p_client,
                           jsonb_build_object('amount', giftcards_money(v_takes[i]), 'authorization', v_auth), p_now);
               ELSE
                   UPDATE giftcards_giftcard SET held = held + v_takes[i], updated_at = p_now WHERE id = v_ids[i];
               END IF;
           END LOOP;
           -- A card's first use: noted here, its holder recognised in the background
           -- (recipients.first_use).
           UPDATE giftcards_giftcard SET first_used_at = p_now, first_contact = p_contact
            WHERE id = ANY (v_ids) AND kind = 'gift_card' AND first_used_at IS NULL;
           GET DIAGNOSTICS v_first_uses = ROW_COUNT;
           SELECT jsonb_agg(jsonb_build_object(
                      'card_id', g.id, 'kind', g.kind, 'last4', g.last4,
                      'amount', giftcards_money(t.take),
                      'captured', giftcards_money(CASE WHEN p_capture THEN t.take ELSE 0 END),
                      'refunded', '0.00',
                      'balance', giftcards_money(g.balance),
                      'available', giftcards_money(g.balance - g.held)) ORDER BY t.position)
             INTO v_cards
             FROM unnest(v_ids, v_takes) WITH ORDINALITY AS t(id, take, position)
             JOIN giftcards_giftcard g ON g.id = t.id;
           v_response := jsonb_build_object(
               'authorization_id', v_auth, 'reference', p_reference, 'status', v_status,
               'currency', p_currency, 'requested', giftcards_money(p_total),
               'amount', giftcards_money(p_total - v_left),
               'captured', giftcards_money(CASE WHEN p_capture THEN p_total - v_left ELSE 0 END),
               'refunded', '0.00', 'expires_at', giftcards_json_time(v_expires), 'cards', v_cards);
           -- A concurrent call with the same key fails here (unique) and the service retries it.
           INSERT INTO giftcards_idempotencykey (store_id, key, operation, fingerprint, status, response, created_at)
           VALUES (p_store, p_key, 'authorize', p_fingerprint, 200, v_response, p_now);
           RETURN jsonb_build_object('status', 200, 'response', v_response, 'first_uses', v_first_uses);
       END $$""",
]
POSTGRES_UNDO = [
    "DROP FUNCTION IF EXISTS giftcards_authorize(bigint, text, text, text[], bigint[], bigint, text, boolean, "
    "text, text, text, timestamptz, jsonb)",
    "DROP FUNCTION IF EXISTS giftcards_json_time(timestamptz)",
    "DROP FUNCTION IF EXISTS giftcards_money(bigint)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UNDO:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("giftcards", "0003_first_use_recognised_later")]
    operations = [migrations.RunPython(forwards, backwards)]
