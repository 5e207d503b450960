-- One row per lead, cycle and stage: entered stages as recorded, plus funnel stages that were
-- skipped but are proven reached by a later stage (is_inferred, entered_at = that later entry),
-- only where some loaded source carries the skipped stage (int_measure_coverage). exited_at is the
-- exit the source recorded, else the entry of the next stage.

with entered as (
    select * from {{ ref('int_stage_events_entered') }}
),

implications as (
    {%- for s in journey_stages() if s.funnel %}
    {%- set outer_loop = loop %}
    {%- for by in implied_by(s.stage) %}
    select '{{ s.stage }}' as stage, '{{ by }}' as by_stage
    {%- if not (outer_loop.last and loop.last) %} union all{% endif %}
    {%- endfor %}
    {%- endfor %}
),

inferred as (
    select person_id, cycle_number, stage, entered_at, source_system
    from (
        select
            e.person_id,
            e.cycle_number,
            i.stage,
            e.entered_at,
            e.source_system,
            row_number() over (
                partition by e.person_id, e.cycle_number, i.stage order by e.entered_at, e.stage
            ) as rank_
        from entered as e
        inner join implications as i on i.by_stage = e.stage and i.stage <> e.stage
        inner join {{ ref('int_measure_coverage') }} as m
            on m.measure = 'stage:' || i.stage and m.is_measurable
        where not exists (
            select 1 from entered as own
            where own.person_id = e.person_id
                and own.cycle_number = e.cycle_number
                and own.stage = i.stage
        )
    ) as ranked
    where rank_ = 1
),

all_events as (
    select person_id, cycle_number, stage, entered_at, exited_at as recorded_exit_at, source_system,
           false as is_inferred, is_time_approximate
    from entered
    union all
    select person_id, cycle_number, stage, entered_at, cast(null as timestamp), source_system, true, false
    from inferred
)

select
    person_id as lead_id,
    cycle_number,
    stage,
    {{ stage_order_sql('stage') }} as stage_order,
    entered_at,
    cast({{ dbt.date_trunc('month', to_business_time('entered_at')) }} as date) as entered_month,
    coalesce(recorded_exit_at, lead(entered_at) over (
        partition by person_id, cycle_number order by entered_at, {{ stage_order_sql('stage') }}
    )) as exited_at,
    source_system,
    is_inferred,
    is_time_approximate
from all_events
