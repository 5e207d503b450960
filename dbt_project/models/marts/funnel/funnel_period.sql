-- Period counts: stage entries counted in the month (business time zone) they happened.
-- metric_style 'entered' counts recorded entries; 'reached' adds skipped stages inferred from a
-- later one (at that later entry's time).

with events as (
    select * from {{ ref('lead_stage_events') }}
),

attributes as (
    select * from {{ ref('lead_attributes') }}
),

styled as (
    select lead_id, cycle_number, stage, stage_order, entered_month, 'entered' as metric_style
    from events where not is_inferred
    union all
    select lead_id, cycle_number, stage, stage_order, entered_month, 'reached'
    from events
),

repeated as (
    -- a lead entering a stage in more than one cycle in a month: only these rows need a distinct
    -- count (a distinct count over every row costs a pass per grouping set)
    select lead_id, entered_month, metric_style, stage
    from styled
    group by lead_id, entered_month, metric_style, stage
    having count(*) > 1
),

flagged as (
    select s.*, r.lead_id is not null as is_repeated
    from styled as s
    left join repeated as r
        on r.lead_id = s.lead_id and r.entered_month = s.entered_month
        and r.metric_style = s.metric_style and r.stage = s.stage
)

select
    s.entered_month as period_month,
    s.metric_style,
    {{ dimension_of_set('a') }},
    s.stage,
    s.stage_order,
    count(*) as entries,
    count(case when not s.is_repeated then 1 end)
        + count(distinct case when s.is_repeated then s.lead_id end) as leads
from flagged as s
inner join attributes as a on a.lead_id = s.lead_id and a.cycle_number = s.cycle_number
group by {{ dimension_grouping_sets(['s.entered_month', 's.metric_style', 's.stage', 's.stage_order'], 'a') }}
