-- One row per lead and cycle: when each stage was first entered (`<stage>_at`) and, for the
-- funnel stages, when it was reached (`<stage>_reached_at`: its own entry, else the earliest entry
-- of a later stage that proves it, so a skipped stage counts as reached; a recorded entry is kept
-- even when a later stage's time comes before it, so a deal won before its MQL date stays so). A stage no loaded
-- source carries is never reached (int_measure_coverage): it is not measurable, not zero.

with entered as (
    select * from {{ ref('int_stage_events_entered') }}
),

pivoted as (
    select
        c.person_id,
        c.cycle_number,
        c.cycle_count,
        c.sfa_lead_id
        {%- for s in journey_stages() %},
        min(case when e.stage = '{{ s.stage }}' then e.entered_at end) as {{ s.stage }}_at
        {%- endfor %},
        max(case when e.is_time_approximate then 1 else 0 end) = 1 as has_approximate_times
    from {{ ref('int_lead_cycles') }} as c
    left join entered as e on e.person_id = c.person_id and e.cycle_number = c.cycle_number
    group by c.person_id, c.cycle_number, c.cycle_count, c.sfa_lead_id
)

select
    p.*
    {%- for s in journey_stages() if s.funnel %},
    case when {{ is_measurable('stage:' ~ s.stage) }} then
        {%- set implied = implied_by(s.stage) %}
        coalesce(p.{{ s.stage }}_at,
                 {% if implied | length > 1 %}least({% for t in implied %}p.{{ t }}_at{% if not loop.last %}, {% endif %}{% endfor %}){% else %}p.{{ implied[0] }}_at{% endif %})
    end as {{ s.stage }}_reached_at
    {%- endfor %}
from pivoted as p
