-- The open pipeline's trend from the daily snapshots (pipeline_snapshot_daily: one per run day),
-- one row per snapshot date: the open deals, their amount and weighted amount (pipeline.stages),
-- and what moved since the previous snapshot: deals created, moved to another stage (forward or
-- back), won and lost (no longer open, by their outcome now), and slipped (still open, their
-- expected close date pushed into a later month). The first snapshot has no movements (empty).

with snapshots as (
    select
        s.snapshot_date,
        s.opportunity_id,
        s.stage,
        st.stage_order,
        s.amount_reporting,
        cast(s.amount_reporting * st.probability as decimal(18, 2)) as weighted_amount,
        s.close_date,
        dense_rank() over (order by s.snapshot_date) as snapshot_number
    from {{ ref('pipeline_snapshot_daily') }} as s
    left join {{ source('config', 'opportunity_stages') }} as st on st.stage = s.stage
),

dates as (
    select distinct snapshot_date, snapshot_number from snapshots
),

pairs as (
    select d.snapshot_date, d.snapshot_number, p.snapshot_date as previous_snapshot_date
    from dates as d
    left join dates as p on p.snapshot_number = d.snapshot_number - 1
),

open_now as (
    select
        snapshot_date,
        count(*) as open_opportunities,
        cast(sum(amount_reporting) as decimal(38, 2)) as open_amount,
        cast(sum(weighted_amount) as decimal(38, 2)) as weighted_amount
    from snapshots
    group by snapshot_date
),

-- each deal of a snapshot beside itself in the previous snapshot (either side may be missing: a
-- deal created since, or no longer open)
compared as (
    select
        coalesce(cur.snapshot_number, prev.snapshot_number + 1) as snapshot_number,
        coalesce(cur.opportunity_id, prev.opportunity_id) as opportunity_id,
        cur.opportunity_id is not null as is_open_now,
        prev.opportunity_id is not null as was_open,
        cur.amount_reporting as current_amount,
        prev.amount_reporting as previous_amount,
        cur.stage <> prev.stage as moved,
        cur.stage_order > prev.stage_order as moved_forward,
        cur.stage_order < prev.stage_order as moved_back,
        {{ dbt.date_trunc('month', 'cur.close_date') }} > {{ dbt.date_trunc('month', 'prev.close_date') }}
            as slipped
    from snapshots as cur
    full outer join snapshots as prev
        on prev.snapshot_number = cur.snapshot_number - 1 and prev.opportunity_id = cur.opportunity_id
),

movements as (
    select
        c.snapshot_number,
        {{ count_where('c.is_open_now and not c.was_open') }} as created,
        cast(sum(case when c.is_open_now and not c.was_open then c.current_amount end) as decimal(38, 2))
            as created_amount,
        {{ count_where('c.moved') }} as moved,
        {{ count_where('c.moved_forward') }} as moved_forward,
        {{ count_where('c.moved_back') }} as moved_back,
        {{ count_where('not c.is_open_now and o.is_won') }} as won,
        cast(sum(case when not c.is_open_now and o.is_won then o.amount_reporting end) as decimal(38, 2))
            as won_amount,
        {{ count_where('not c.is_open_now and o.is_lost') }} as lost,
        cast(sum(case when not c.is_open_now and o.is_lost then c.previous_amount end) as decimal(38, 2))
            as lost_amount,
        {{ count_where('c.slipped') }} as slipped,
        cast(sum(case when c.slipped then c.current_amount end) as decimal(38, 2)) as slipped_amount
    from compared as c
    left join {{ ref('int_opportunity_amounts') }} as o on o.opportunity_id = c.opportunity_id
    group by c.snapshot_number
)

select
    pr.snapshot_date,
    pr.previous_snapshot_date,
    n.open_opportunities,
    n.open_amount,
    n.weighted_amount,
    m.created,
    m.created_amount,
    m.moved,
    m.moved_forward,
    m.moved_back,
    m.won,
    m.won_amount,
    m.lost,
    m.lost_amount,
    m.slipped,
    m.slipped_amount,
    {{ rule('reporting_currency') }} as currency
from pairs as pr
inner join open_now as n on n.snapshot_date = pr.snapshot_date
left join movements as m on m.snapshot_number = pr.snapshot_number and pr.previous_snapshot_date is not null
