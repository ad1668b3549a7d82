DELETE FROM history_events WHERE slug IN (
    'perfusion-briefly-revives-the-limbs-of-the-deceased',
    'bubble-oxygenation-and-the-first-closed-perfusion-circuit',
    'lindbergh-and-carrel-keep-organs-alive-outside-the-body',
    'john-gibbon-s-perfusion-pump-keeps-animals-alive',
    'first-successful-total-cardiopulmonary-bypass-in-a-human',
    'the-bubble-oxygenator-becomes-the-standard-of-practice',
    'extended-perfusion-membrane-lungs-and-the-first-prolonged-ecmo',
    'the-membrane-oxygenator-replaces-the-bubble-oxygenator');
