{#- The marts whose rows carry is_final (SPEC section 4, finality), with
    the columns that identify a row (its grain) and the counts a reader
    takes from it: a change of any of those counts after the row was final
    is a restatement (audit.restatements). Rates are ratios of these counts,
    so they move only when a count does. Counts only: their text is the same
    on every engine. -#}
{% macro restated_marts() -%}
    {{ return([
        {'name': 'fct_macro_conversion_rates',
         'key': ['period_grain', 'period_start', 'goal_id'],
         'figures': ['human_visitors', 'converting_visitors']},
        {'name': 'fct_goal_conversion_rates',
         'key': ['period_grain', 'period_start', 'goal_id'],
         'figures': ['human_visitors', 'converting_visitors']},
        {'name': 'fct_funnel_steps',
         'key': ['funnel_id', 'cohort_date', 'step_order'],
         'figures': ['visitors_reached']},
        {'name': 'fct_funnel_steps_by_segment',
         'key': ['funnel_id', 'cohort_date', 'segment_type', 'segment_value',
                 'step_order'],
         'figures': ['visitors_reached']},
        {'name': 'fct_funnel_diagnosis',
         'key': ['funnel_id', 'week_start'],
         'figures': ['week_human_visitors', 'entrants', 'cohort_entrants',
                     'macro_converters']},
    ]) }}
{%- endmacro %}
