-- Every loaded version of every SFA lead: the status history when the SFA exports none. Rows a
-- later load repeated unchanged stay in: a status is first seen in the earliest load holding it.
with source as (
    select * from {{ source('raw', 'sfa_leads') }}
),

renamed as (
    select
        sfa_lead_id,
        status,
        coalesce(modified_at, _loaded_at) as observed_at,
        _load_id as load_id,
        _line_number as source_line
    from source
)

select * from renamed
