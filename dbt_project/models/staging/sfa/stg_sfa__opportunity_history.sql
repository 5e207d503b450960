with source as (
    {{ latest_version('sfa_opportunity_history') }}
),

renamed as (
    select
        opportunity_id,
        stage,
        amount,
        close_date,
        changed_at
    from source
)

select * from renamed
