-- Opportunity stages along the buyer's process (problem recognised -> information gathering ->
-- comparison -> internal approval (ringi) -> decision -> negotiation -> contract), per segment:
-- opportunities that reached each stage, how many went on, days spent there, and moves backwards.

{%- set stages = ['problem_recognised', 'information_gathering', 'comparison', 'internal_approval',
                  'decision', 'negotiation', 'closed_won'] %}

with history as (
    select
        h.opportunity_id,
        h.stage,
        h.changed_at,
        case h.stage
        {%- for s in stages %}
            when '{{ s }}' then {{ loop.index }}
        {%- endfor %}
            when 'closed_lost' then 99
        end as stage_order,
        lead(h.changed_at) over (partition by h.opportunity_id order by h.changed_at, h.stage) as left_at,
        lag(case h.stage
            {%- for s in stages %}
                when '{{ s }}' then {{ loop.index }}
            {%- endfor %}
            end) over (partition by h.opportunity_id order by h.changed_at, h.stage) as previous_order
    from {{ ref('stg_sfa__opportunity_history') }} as h
),

segments as (
    select o.opportunity_id, coalesce(a.segment, {{ no_value() }}) as segment
    from {{ ref('stg_sfa__opportunities') }} as o
    left join {{ ref('stg_crm__accounts') }} as a on a.account_id = o.account_id
),

reached as (
    select
        s.segment,
        h.opportunity_id,
        h.stage,
        h.stage_order,
        min(h.changed_at) as entered_at,
        sum({{ seconds_between('h.changed_at', 'h.left_at') }}) / cast(86400 as double) as days_in_stage,
        max(case when h.previous_order > h.stage_order then 1 else 0 end) as moved_back_here
    from history as h
    inner join segments as s on s.opportunity_id = h.opportunity_id
    where h.stage_order < 99
    group by s.segment, h.opportunity_id, h.stage, h.stage_order
),

furthest as (
    select opportunity_id, max(stage_order) as furthest_order from reached group by opportunity_id
),

by_segment as (
    select r.segment, r.stage, r.stage_order,
           count(*) as opportunities,
           {{ count_where('f.furthest_order > r.stage_order') }} as went_on,
           avg(r.days_in_stage) as avg_days_in_stage,
           sum(r.days_in_stage) as days_in_stage_total,
           count(r.days_in_stage) as stays_completed,
           cast(sum(r.moved_back_here) as {{ dbt.type_bigint() }}) as moves_back
    from reached as r
    inner join furthest as f on f.opportunity_id = r.opportunity_id
    group by r.segment, r.stage, r.stage_order
)

select
    *,
    cast(went_on as double) / nullif(opportunities, 0) as conversion_to_next
from by_segment
