with source as (
    {{ latest_version('crm_nps') }}
),

renamed as (
    select
        response_id,
        account_id,
        contact_id,
        score,
        comment,
        responded_at
    from source
)

select * from renamed
