-- The values each dashboard filter offers: every analysis dimension's values (lead_attributes) with
-- their lead cycles, and a campaign's name, so that no page counts a million cycles to draw its
-- sidebar.

with values_counted as (
    select dimension, dimension_value as value, leads
    from (
        select {{ dimension_of_set('a') }}, count(*) as leads
        from {{ ref('lead_attributes') }} as a
        group by {{ dimension_grouping_sets([], 'a') }}
    ) as counted
    where dimension <> 'all'
),

campaign_names as (
    select
        coalesce(cast({{ analysis_dimensions()['campaign'] }} as {{ dbt.type_string() }}), {{ no_value() }})
            as value,
        max(original_campaign_name) as name
    from {{ ref('lead_journey') }}
    group by 1
)

select v.dimension, v.value, n.name, v.leads
from values_counted as v
left join campaign_names as n on v.dimension = 'campaign' and n.value = v.value
