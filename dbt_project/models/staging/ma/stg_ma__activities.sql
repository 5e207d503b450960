with source as (
    {{ latest_version('ma_activities') }}
),

renamed as (
    select
        -- ids
        activity_id,
        lead_id,
        campaign_id,

        -- what
        activity_type,
        asset_type,
        asset_name,

        -- timestamps (UTC)
        occurred_at
    from source
)

select * from renamed
