{#- Warns (never fails) when this build restated a final figure: one row
    per row of audit.restatements written by this run. The rows say which
    mart rows changed, from what to what, and why (cause). -#}
{% test warn_on_restated_final_figures(model) %}
{{ config(severity='warn') }}
select
    mart,
    row_key,
    old_figures,
    new_figures,
    cause
from {{ model }}
where restated_at = {{ run_timestamp() }}
{% endtest %}
