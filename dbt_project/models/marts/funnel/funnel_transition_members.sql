-- One row per cohort member (lead cycle x cohort basis x style x window, see funnel_cohort_members)
-- and stage transition with a target band (config.target_bands: kpi, from_stage, to_stage) that
-- the cycle entered: whether it converted. The definition of every transition rate lives here:
-- entered = the cycle reached the from-stage (every member of a cohort has reached its own basis
-- stage), converted = it also reached the to-stage. bottlenecks and the dashboard's transition
-- figures only sum these rows; is_measurable says whether the loaded sources carry both stages.


with members as (
    select
        m.*,
        b.kpi,
        b.transition_order,
        b.from_stage,
        b.to_stage,
        case when b.from_stage = m.cohort_basis then 1 else {{ reached_flag('b.from_stage') }} end as entered,
        {{ reached_flag('b.to_stage') }} as reached_to
    from {{ ref('funnel_cohort_members') }} as m
    cross join {{ source('config', 'target_bands') }} as b
),

coverage as (
    select measure, is_measurable from {{ ref('int_measure_coverage') }}
)

select
    m.lead_id,
    m.cycle_number,
    m.cohort_basis,
    m.metric_style,
    m.window_days,
    m.cohort_month,
    m.is_young,
    m.kpi,
    m.transition_order,
    m.from_stage,
    m.to_stage,
    m.reached_to = 1 as converted,
    coalesce(cf.is_measurable, false) and coalesce(ct.is_measurable, false) as is_measurable
from members as m
left join coverage as cf on cf.measure = 'stage:' || m.from_stage
left join coverage as ct on ct.measure = 'stage:' || m.to_stage
where m.entered = 1
