"""On PostgreSQL, a plain redemption (a discount reward, a member with enough points, a new
key) runs as one database function called in one round trip (``loyalty/fastpath.py``,
docs/adr/0017). It writes what ``rewards.reward_redeem`` writes and answers the redemption's
id; for anything else it writes nothing and answers NULL, and the Python service decides and
says what is wrong. SQLite has no such function and always takes the Python path."""

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE FUNCTION loyalty_redeem(
           p_store bigint, p_customer bigint, p_reward bigint, p_key text, p_code text,
           p_actor text, p_now timestamptz
       ) RETURNS bigint LANGUAGE plpgsql AS $$
       DECLARE
           v_member record;
           v_reward record;
           v_redemption bigint;
           v_movement bigint;
       BEGIN
           SELECT id, available INTO v_member FROM loyalty_member
            WHERE customer_id = p_customer AND store_id = p_store AND closed_into_id IS NULL
            FOR UPDATE;
           IF NOT FOUND THEN RETURN NULL; END IF;
           PERFORM 1 FROM loyalty_redemption WHERE store_id = p_store AND key = p_key;
           IF FOUND THEN RETURN NULL; END IF;
           SELECT r.id, r.name, r.points, r.valid_days INTO v_reward
             FROM loyalty_reward r JOIN loyalty_loyaltysettings s ON s.store_id = r.store_id
            WHERE r.id = p_reward AND r.store_id = p_store AND r.active AND s.enabled AND r.kind <> 'credit';
           IF NOT FOUND OR v_member.available < v_reward.points THEN RETURN NULL; END IF;

           INSERT INTO loyalty_redemption
               (store_id, member_id, reward_id, points, key, code, request_id, state, error,
                expires_at, actor, created_at, updated_at)
           VALUES (p_store, v_member.id, v_reward.id, v_reward.points, p_key, p_code, NULL, 'making', '',
                   p_now + make_interval(days => v_reward.valid_days), p_actor, p_now, p_now)
           RETURNING id INTO v_redemption;
           INSERT INTO loyalty_movement (store_id, member_id, cause, key, order_id, memo, actor, created_at)
           VALUES (p_store, v_member.id, 'reward', 'redeem:' || v_redemption, NULL, left(v_reward.name, 300),
                   left(p_actor, 120), p_now)
           RETURNING id INTO v_movement;
           INSERT INTO loyalty_pointsentry (movement_id, member_id, bucket, points, created_at)
           VALUES (v_movement, v_member.id, 'available', -v_reward.points, p_now);
           UPDATE loyalty_member SET available = available - v_reward.points, updated_at = p_now
            WHERE id = v_member.id;
           INSERT INTO loyalty_loyaltyevent (kind, actor, data, created_at, store_id, member_id)
           VALUES ('redeemed', p_actor,
                   jsonb_build_object('reward', v_reward.id, 'points', v_reward.points, 'redemption', v_redemption),
                   p_now, p_store, v_member.id);
           RETURN v_redemption;
       END $$""",
]
POSTGRES_UNDO = ["DROP FUNCTION IF EXISTS loyalty_redeem(bigint, bigint, bigint, text, text, text, timestamptz)"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UNDO:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0003_points_due")]
    operations = [migrations.RunPython(forwards, backwards)]
