with source as (
    {{ latest_version(source('raw', 'sfa_activities'), ['activity_id']) }}
),

renamed as (
    select
        -- ids
        activity_id,
        sfa_lead_id,
        opportunity_id,

        -- what
        owner,
        activity_type,
        outcome,
        outcome in ('connected', 'appointment_set', 'replied', 'held') as is_reached,
        subject,

        -- timestamps (UTC)
        occurred_at
    from source
)

select * from renamed
