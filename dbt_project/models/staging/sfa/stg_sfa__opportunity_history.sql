with source as (
    {{ latest_version(source('raw', 'sfa_opportunity_history'), ['opportunity_id', 'changed_at', 'stage']) }}
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
