-- Every lead cycle once per analysis dimension (all, channel, campaign, segment, industry,
-- size band, region, owner) with its value: the funnel marts group by these.

{{ unpivot_dimensions(ref('lead_journey'), ['lead_id', 'cycle_number']) }}
