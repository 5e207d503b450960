-- Stage events from stage-history extracts (wide per-stage date columns or field-history rows):
-- one row per record, stage and entry time, however many loads repeated it. Only journey stages
-- count (a field-history value the mapping did not translate is reported at ingest and left out).

with source as (
    select
        *,
        row_number() over (
            partition by record_kind, record_id, stage, entered_at
            order by _loaded_at desc, _load_id desc, _line_number desc
        ) as _rank
    from {{ source('raw', 'stage_events') }}
),

renamed as (
    select
        -- ids
        record_kind,
        record_id,

        -- stage
        stage,

        -- timestamps (UTC)
        entered_at,
        exited_at,

        -- lineage and quality
        {{ dbt.split_part('_file_name', "'/'", 1) }} as source_system,
        _flags is not null as is_out_of_order,
        _file_name as source_file,
        _line_number as source_line
    from source
    where _rank = 1
        and stage in ({% for s in journey_stages() %}'{{ s.stage }}'{% if not loop.last %}, {% endif %}{% endfor %})
)

select * from renamed
