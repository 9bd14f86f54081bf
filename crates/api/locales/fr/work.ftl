# Pages of work: decisions, my country, the statement, fair share, funding, requirements, rules, messages.

## Commun aux pages de travail

work-form-show = Afficher
work-col-party = Partie
work-col-counted = Compté
work-col-committed = Engagé
work-col-paid = Versé
work-col-status = Statut
work-col-since = Depuis le
work-col-source = Source

## Juste part (templates/fair_share.html, web/fair_share.rs)

fair-share-lead = Au { $as-of } : la part que chaque contributeur participant supporterait des { $total } { $currency } comptés à ce jour s’ils étaient répartis selon la clé { $key } (datée du { $date }, { $confidence }{ $source }), au regard de ce qu’il a compté, engagé et versé. La clé est renormalisée sur les parties qui supportent une part ; les contributions conjointes sont comptées pour leurs membres (docs/COUNTING.md, « Justes parts »).
fair-share-form-key = Clé
fair-share-form-currency = Monnaie
fair-share-form-amount = Montant à répartir (unités entières, facultatif)
fair-share-form-partners = Inclure les partenaires extérieurs à l’Alliance
fair-share-caption = Compté moins juste part, en millions de { $currency }, pour { $count ->
        [one] la seule partie qui supporte
       *[other] chacune des { $parties } parties qui supportent
    } une part, de la plus au-dessus de sa juste part à la plus en dessous : à gauche de zéro, la partie a compté moins que sa juste part ; à droite, davantage. Les chiffres exacts figurent dans le tableau ci-dessous.
fair-share-carriers-heading = Parties supportant une part
fair-share-carriers-lead = Montants en { $currency } ; le % de clé est la part de la partie dans la clé, rapportée aux parties qui supportent une part.
fair-share-table-caption = Justes parts selon la clé { $key }, en { $currency }
fair-share-col-key-value = Valeur de clé
fair-share-col-key-percent = % de clé
fair-share-col-paid-of = Versé / juste part
fair-share-col-difference = Écart
fair-share-col-difference-percent = Écart en %
fair-share-col-split = Répartition de { $amount }
fair-share-total-counted = Total compté
fair-share-undisclosed = non divulgué
fair-share-not-reported = non déclaré
fair-share-percent = { $value } %
fair-share-lower-bound-title = a une promesse au montant non divulgué : son chiffre compté est un minimum
fair-share-note = L’engagé et le versé sont « non déclarés » lorsqu’aucune des contributions comptées de la partie n’est engagée à la date (le registre public ne contient que des annonces) ; ils ne sont jamais affichés comme nuls. * Une promesse au montant non divulgué : le chiffre compté de la partie est un minimum. Une partie dont toutes les promesses comptées sont non divulguées n’a ni chiffre compté, ni écart, ni écart en % : ils sont « non divulgués », jamais nuls, et la partie n’a pas de barre dans le graphique.
fair-share-note-split = La répartition se fait en unités entières dont la somme est exactement égale au montant (méthode du plus fort reste).
fair-share-declined-heading = Parties ayant décliné ou ne participant pas
fair-share-declined-none = Aucune partie n’a décliné au { $date }.
fair-share-declined-lead = Ces parties ne supportent aucune part : leur dernier statut de participation au { $date } est « ne participe pas » ; la clé est donc renormalisée sur les autres.
fair-share-declined-caption = Parties ne participant pas au { $date }
fair-share-others-heading = Parties citées sans part
fair-share-no-key-value = Sans valeur dans la clé { $key }
fair-share-no-key-value-lead = Elles participent, mais la clé ne leur attribue aucune valeur : elles sont citées, sans valeur supposée, et exclues de la renormalisation.
fair-share-partners = Partenaires extérieurs à l’Alliance
fair-share-partners-lead = Non membres de l’OTAN au { $date } : ils ne supportent aucune part, sauf si les partenaires sont inclus ; leurs fonds restent comptés comme apportés.
fair-share-not-contributors = Parties non contributrices
fair-share-not-contributors-lead = Le fournisseur, le bénéficiaire et le coordonnateur ne financent pas le mécanisme : ils ne supportent donc aucune part.
fair-share-counted-in-list = compté : { $amount } { $currency }
fair-share-chart-title = Compté moins juste part, en millions de { $currency }, par partie supportant une part selon la clé { $key } : à gauche de zéro, en dessous de sa juste part ; à droite, au-dessus
fair-share-chart-unit = M{ $currency }, compté moins juste part
fair-share-chart-below = En dessous de sa juste part
fair-share-chart-above = Au-dessus de sa juste part
fair-share-cannot-compute = Impossible de calculer les justes parts
work-col-pledge = Promesse
work-col-package = Paquet
work-col-price = Prix
work-col-date = Date
work-package-state = { $state ->
        [draft] projet
        [proposed] proposé
        [approved] approuvé
        [open] ouvert
        [funded] financé
        [contracted] sous contrat
        [delivering] en livraison
        [delivered] livré
        [closed] clos
        [cancelled] annulé
       *[other] { $state }
    }

## Financement (templates/funding.html, web/funding.rs, l’acceptation dans web/mod.rs)

funding-lead = La proposition de financement au { $as-of }, calculée à la tête de journal { $head } : les paquets ouverts par ordre de priorité, chacun financé en totalité lorsqu’il peut l’être tant que chaque paquet mieux classé qui peut l’être l’est aussi, le reliquat allant au premier paquet qui ne peut pas l’être. Montants en { $currency }. Rien n’est inscrit tant que la proposition n’est pas acceptée.
funding-written-heading = Inscrit
funding-written-none = Aucune affectation de la proposition calculée à la tête de journal { $head } ne figure au journal.
funding-written-lead = La proposition calculée à la tête de journal { $head } a été acceptée : ces affectations figurent au journal.
funding-written-label = Affectations inscrites
funding-col-amount-in = Montant ({ $currency })
funding-col-package-now = État actuel du paquet
funding-form-triggers = Supposer les déclencheurs déclarés (séparés par des virgules)
funding-form-announced = Inclure les fonds annoncés
funding-packages-heading = Paquets par ordre de priorité
funding-packages-none = Aucun paquet n’est ouvert au { $date }.
funding-packages-label = Paquets ouverts
funding-packages-caption = Paquets ouverts par ordre de priorité, en { $currency }
funding-col-priority = Priorité
funding-col-allocated = Affecté
funding-col-need = Besoin
funding-col-proposed = Proposé
funding-col-why = Motif d’un financement incomplet
funding-status = { $status ->
        [funded] financé
        [partial] partiel
        [unfunded] non financé
       *[other] { $status }
    }
funding-not-ranked = non classé
funding-allocations-heading = Affectations proposées
funding-allocations-none = La proposition n’affecte rien.
funding-allocations-caption = Affectations proposées, de la promesse au paquet, en { $currency }
funding-col-amount = Montant
funding-col-money = Fonds
funding-committed = engagés
funding-not-committed = non engagés
funding-not-committed-shown = non engagés : affichés, non inscrits à l’acceptation
funding-accept-heading = Accepter
funding-accept-nothing = Rien à accepter : la proposition n’affecte aucun fonds engagé.
funding-accept-lead = L’acceptation inscrit { $count ->
        [one] l’affectation
       *[other] les { $allocations } affectations
    } de fonds engagés ci-dessus en un seul lot, en totalité ou pas du tout, si le journal est toujours à la tête { $head }.
funding-accept-submit = Accepter la proposition
funding-excluded-heading = Promesses écartées
funding-excluded-none = Aucune promesse n’est écartée.
funding-excluded-caption = Promesses écartées de la proposition, et motif
funding-col-reason = Motif
funding-pledges-heading = Promesses utilisées
funding-pledges-none = Aucune promesse n’apporte de fonds.
funding-pledges-caption = Pour chaque promesse : les fonds disponibles, ce qu’utilise la proposition et le solde, en { $currency }
funding-col-supply = Disponible
funding-col-used = Utilisé
funding-col-left = Solde
funding-restricted-role = Les propositions de financement sont réservées au coordonnateur (les auditeurs peuvent les consulter) ; un jeton { $role } ne les affiche pas.
funding-restricted-public = Les propositions de financement sont réservées au coordonnateur et aux auditeurs : connectez-vous avec un tel jeton pour les consulter.
funding-no-download = format : la page Financement n’a pas de téléchargement ; GET /api/v1/funding/proposal fournit la proposition en JSON
funding-cannot-compute = Impossible de calculer la proposition
funding-sign-in-to-accept = Connectez-vous pour accepter une proposition.
funding-may-not-accept = Le rôle { $role } ne peut pas accepter une proposition de financement : les affectations relèvent du coordonnateur.
funding-moved-on = Rien n’a été inscrit : le journal a avancé depuis le calcul de cette proposition (tête de journal { $at-head }, désormais { $now }) ; voici de nouveau la proposition.
funding-moved-on-accepted = Rien n’a été inscrit : le journal a avancé depuis le calcul de cette proposition (tête de journal { $at-head }, désormais { $now } : elle a déjà été acceptée) ; voici de nouveau la proposition.
funding-address-not-valid = L’adresse de la page n’est pas valide.
funding-nothing-written = Rien n’a été inscrit : { $detail }

## Besoins (templates/requirements.html)

requirements-restricted = Les besoins sont réservés au bénéficiaire, au coordonnateur, aux fournisseurs et aux auditeurs : connectez-vous avec un tel jeton pour les consulter.
