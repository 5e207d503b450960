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
)

select
    s.entered_month as period_month,
    s.metric_style,
    {{ dimension_of_set('a') }},
    s.stage,
    s.stage_order,
    count(*) as entries,
    count(distinct s.lead_id) as leads
from styled as s
inner join attributes as a on a.lead_id = s.lead_id and a.cycle_number = s.cycle_number
group by {{ dimension_grouping_sets(['s.entered_month', 's.metric_style', 's.stage', 's.stage_order'], 'a') }}
