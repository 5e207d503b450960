-- Latest lead cycles still sitting in MQL, SAL, SQL or an opportunity for longer than 90% of the
-- cycles that left that stage (time_in_stage, all leads): the bottleneck page's stalled list, which
-- filters and ranks these rows.

with open_stages as (
    select e.lead_id, e.cycle_number, e.stage, e.entered_at
    from {{ ref('lead_stage_events') }} as e
    where e.exited_at is null and not e.is_inferred and e.stage in ('mql', 'sal', 'sql', 'opportunity')
),

timed as (
    select
        s.*,
        j.cohort_month,
        {{ seconds_between('s.entered_at', 'j.as_of') }} / cast(86400 as double) as days_in_stage
    from open_stages as s
    inner join {{ ref('lead_journey') }} as j on j.lead_id = s.lead_id and j.cycle_number = s.cycle_number
    where j.is_latest_cycle
)

select s.lead_id, s.cycle_number, s.stage, s.entered_at, s.cohort_month, s.days_in_stage, t.p90_days
from timed as s
inner join {{ ref('time_in_stage') }} as t
    on t.stage = s.stage and t.dimension = 'all' and t.dimension_value = 'all'
where s.days_in_stage > t.p90_days
