-- How long lead cycles stay in each stage (days from reaching it to reaching the next), and the
-- end-to-end time from MQL to won (stage 'mql_to_won'), with the median, p75 and p90, overall and
-- per dimension value. A negative duration (a deal won before its MQL date) is kept in the figures
-- and counted in negative_leads, never clamped or dropped.

with journeys as (
    select * from {{ ref('lead_journey') }}
),

durations as (
    {%- set stages = [('known', 'days_known_to_mql'), ('mql', 'days_in_mql'), ('sal', 'days_in_sal'),
                      ('sql', 'days_in_sql'), ('opportunity', 'days_in_opportunity'),
                      ('mql_to_won', 'days_mql_to_won')] %}
    {%- for stage, column in stages %}
    select lead_id, cycle_number, '{{ stage }}' as stage, {{ loop.index }} as stage_order,
           {{ column }} as days
    from journeys where {{ column }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

attributes as (
    select * from {{ ref('lead_attributes') }}
)

select
    t.stage,
    t.stage_order,
    {{ dimension_of_set('a') }},
    count(*) as leads,
    {{ count_where('t.days < 0') }} as negative_leads,
    avg(t.days) as mean_days,
    {{ percentile('t.days', 0.5) }} as median_days,
    {{ percentile('t.days', 0.75) }} as p75_days,
    {{ percentile('t.days', 0.9) }} as p90_days
from durations as t
inner join attributes as a on a.lead_id = t.lead_id and a.cycle_number = t.cycle_number
group by {{ dimension_grouping_sets(['t.stage', 't.stage_order'], 'a') }}
