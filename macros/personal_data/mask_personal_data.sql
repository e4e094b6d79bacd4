{#- The choice of stg_events__parsed for a URL part (path, utm value):
    the text as given when its decoded form (percent_decoded) held no
    personal data, else the decoded form masked (personal_data_masked);
    [undecodable] when it was still encoded. The three are columns of
    successive steps, so each is written once in the view's text. -#}
{% macro mask_personal_data(text_expr, decoded_expr, masked_expr) -%}
    case
        when
            {{ masked_expr }} <> {{ decoded_expr }}
            or {{ decoded_expr }} = '[undecodable]'
            then {{ masked_expr }}
        else {{ text_expr }}
    end
{%- endmacro %}
