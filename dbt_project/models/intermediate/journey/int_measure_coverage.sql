-- What the loaded sources can measure: one row per measure (stage:<stage>, sla:<rule>), measurable
-- when at least one loaded file carries a field that observes it (config.measure_sources, from the
-- contract; the manifest records the fields each load filled). Nothing is inferred into a measure
-- no source carries: the journey, the funnel marts and the dashboard read this.

with carried as (
    select extract, mapping, {{ json_string_list_items('carried_fields') }} as field
    from {{ source('meta', 'load_manifest') }}
    where status = 'loaded'
),

sources as (
    select distinct s.measure, c.extract || '.' || s.field as carried_by
    from carried as c
    inner join {{ source('config', 'measure_sources') }} as s
        on s.extract = c.extract and s.field = c.field
),

measures as (
    select distinct measure from {{ source('config', 'measure_sources') }}
)

select
    m.measure,
    {{ dbt.split_part('m.measure', "':'", 1) }} as measure_kind,
    {{ dbt.split_part('m.measure', "':'", 2) }} as measure_name,
    count(s.carried_by) > 0 as is_measurable,
    {{ sorted_list('s.carried_by', "', '") }} as carried_by
from measures as m
left join sources as s on s.measure = m.measure
group by m.measure
