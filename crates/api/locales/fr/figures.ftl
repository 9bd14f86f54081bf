# Pages de chiffres : vue d’ensemble, par mois, contributeurs, sources, paquets, la comparaison avec Kiel, les graphiques.

## Mots communs à ces pages

col-month = Mois
col-date = Date
col-source = Source
source-link = source
not-reported = non communiqué
none-recorded = rien d’enregistré
plus-undisclosed = + non divulgué
badge-projection = projection
download-table = Télécharger ce tableau :
download-records = Télécharger ces enregistrements :

## Mots du registre : statuts, états des paquets, types d’enregistrement, fiabilité, filtres

word-announced = annoncé
word-announced-contingent = annoncé (conditionnel)
word-committed = engagé
word-part-paid = partiellement versé
word-paid = versé
word-withdrawn = retiré
word-superseded = remplacé
word-participating = participant
word-declined = a décliné
word-non-participation = non-participation
word-deferred = reporté
word-draft = brouillon
word-proposed = proposé
word-approved = approuvé
word-open = ouvert
word-funded = financé
word-contracted = sous contrat
word-delivering = en livraison
word-delivered = livré
word-closed = clos
word-cancelled = annulé
word-pledge = promesse
word-joint-package = paquet conjoint
word-joint-package-total = total d’un paquet conjoint
word-contingent = conditionnelle
word-participation = participation
word-target = objectif
word-yes = oui
word-no = non
word-undisclosed = non divulgué
word-remainder = reliquat
word-apart = à part
word-monthly-run-rate = rythme mensuel
word-cumulative-goal = objectif cumulé
word-annual-need = besoin annuel
word-confirmed = confirmé
word-reported = rapporté
word-uncertain = incertain

## La vue d’ensemble

overview-heading = Où en sont les fonds
overview-lead = Situation au { $as-of }. Montants comptés selon les règles de comptage publiques : les enregistrements remplacés ne comptent pas, un paquet conjoint compte pour son reliquat, les montants non divulgués ne comptent que pour le nombre de contributeurs.
overview-as-of-label = Chiffres au
overview-show = Afficher
overview-total-eur = Total compté, EUR
overview-total-usd = Total compté, USD
overview-contributors = Contributeurs
overview-undisclosed = Montants non divulgués
overview-declined = Ayant décliné ou ne participant pas
overview-contingent = Conditionnels, comptés à part
overview-figure-as-of = au { $date }
overview-records-link = enregistrements
overview-by-party = par partie

funnel-heading = Des fonds à la livraison
funnel-lead = Chaque étape au { $as-of }, en { $currency }, et en part des fonds promis. Une étape dont le journal ne contient encore rien indique « rien d’enregistré ».
funnel-each-package = Chaque paquet
funnel-region = Des fonds à la livraison
funnel-caption = Des fonds à la livraison, en { $currency }
funnel-col-stage = Étape
funnel-col-definition = Ce qu’elle compte
funnel-col-amount = Montant ({ $currency })
funnel-col-of-pledged = Part des promesses
funnel-col-bar = Barre
funnel-bar-title = { $stage } : { $percent } des fonds promis
funnel-pledged = Promis
funnel-pledged-definition = Fonds annoncés ou engagés qui comptent selon les règles de comptage publiques (les enregistrements remplacés ou retirés ne comptent pas, un paquet conjoint compte pour son reliquat, les montants non divulgués n’ajoutent rien) : le total compté de la vue d’ensemble.
funnel-committed = Engagé
funnel-committed-definition = La part des fonds promis que les contributeurs ont rendue ferme.
funnel-paid = Versé
funnel-paid-definition = Les fonds que les contributeurs ont versés sur le compte du fonds, aux dates de réception.
funnel-allocated = Affecté
funnel-allocated-definition = Les fonds engagés que le coordinateur a réservés à un paquet, déduction faite de ce qu’une annulation a libéré.
funnel-contracted = Sous contrat
funnel-contracted-definition = Le prix coté des paquets que le fournisseur a mis sous contrat (hors paquets annulés).
funnel-disbursed = Décaissé
funnel-disbursed-definition = Les fonds que le fonds a payés au fournisseur pour les paquets.
funnel-delivered = Livré
funnel-delivered-definition = La valeur des livraisons dont le bénéficiaire a confirmé la réception.

goals-heading = Au regard des objectifs
cumulative-caption-goals = Fonds cumulés en { $currency } (Md) : comptés, engagés et versés, avec les objectifs.
cumulative-caption-no-goal = Fonds cumulés en { $currency } (Md) : comptés, engagés et versés, sans objectif cumulé fixé.
cumulative-caption-projection = Les lignes en tirets à partir du { $as-of } sont des projections : le total compté au rythme des 3 derniers mois
cumulative-caption-rate = ({ $rate } par mois)
cumulative-caption-required = et, pour chaque objectif ouvert, la ligne que suivrait le rythme qu’il exige jusqu’à son échéance
monthly-caption = Fonds comptés chaque mois en { $currency } (Md).
monthly-caption-target = Fonds comptés chaque mois en { $currency } (Md), au regard de l’objectif mensuel de { $target }.
goals-region = Objectifs
goals-col-goal = Objectif
goals-col-amount = Montant
goals-col-by = Échéance
goals-col-met = Atteint
goals-col-required = Requis par mois
goals-col-reached = Atteint le
goals-not-yet = pas encore
goal-label-cumulative = Objectif : { $amount } d’ici le { $date }
goal-label-annual = Besoin pour { $year } : { $amount }

projection-error = Pas de projection : le rapport sur les objectifs ne peut pas être calculé ({ $error }).
projection-left-out = Pas de projection : le registre ne contient rien sur les { $months } derniers mois jusqu’au { $as-of } (son dernier enregistrement date du { $latest }) ; un rythme tiré de ces mois serait celui d’une absence d’enregistrements, non d’une absence de fonds.
projection-left-out-no-record = Pas de projection : le registre ne contient rien sur les { $months } derniers mois jusqu’au { $as-of } (il ne contient aucun enregistrement) ; un rythme tiré de ces mois serait celui d’une absence d’enregistrements, non d’une absence de fonds.
projections-heading = Projections pour les objectifs ouverts
projections-lead = Des projections, non des données enregistrées : ce qu’il manque encore aux objectifs ouverts au { $as-of }, le rythme mensuel qui atteint chacun à son échéance, et la date à laquelle le rythme des 3 derniers mois l’atteindrait (les mêmes chiffres que { $command } ; un mois compte 30,4375 jours).
projection-sentence = Projection pour { $target } ({ $kind }, { $amount } d’ici le { $date }) : il manque encore { $still-needed }, ce qui exige { $required } par mois jusqu’à l’échéance ; au rythme des { $months } derniers mois, soit { $rate } par mois, { $reached }.
projection-cumulative-goal = objectif cumulé
projection-annual-need = besoin annuel pour { $year }
projection-reached-on = il serait atteint le { $date }
projection-reached-later = il serait atteint après le { $date }
projection-never = il ne serait jamais atteint à ce rythme

months-at-the-time-lead = Tel que rapporté à l’époque : le total compté tel qu’il s’établissait à la fin de chaque mois, y compris les enregistrements remplacés depuis, à côté du total compté à ce jour selon les règles au { $as-of }.
months-every-column-link = Toutes les colonnes au { $as-of }
months-at-the-time-region = Mois tels que rapportés à l’époque
months-col-to-date-as-of = Compté à ce jour, au { $as-of } ({ $currency })
months-col-to-date-at-the-time = Compté à ce jour, tel que rapporté à l’époque ({ $currency })
months-col-difference = Écart ({ $currency })
months-as-of-lead = Toutes les colonnes selon les règles de comptage au { $as-of } (comme { $command }) : le compté à ce jour est la somme des mois écoulés ; l’engagé et le versé à ce jour sont les engagements et versements datés au plus tard de la fin de chaque mois.
months-at-the-time-link = Tel que rapporté à l’époque
months-col-in-month = Compté dans le mois ({ $currency })
months-col-to-date = Compté à ce jour ({ $currency })
months-col-committed = Engagé à ce jour ({ $currency })
months-col-paid = Versé à ce jour ({ $currency })
months-chart-link = Par mois : le graphique et la comparaison rapportée au PIB

## Les graphiques

chart-counted = Compté
chart-committed = Engagé
chart-paid = Versé
chart-unit-bn = Md { $currency }
chart-cumulative-title = Fonds cumulés en { $currency } : comptés, engagés, versés, au regard des objectifs
chart-monthly-title = Fonds comptés chaque mois en { $currency }
chart-monthly-target = Objectif mensuel { $amount }
chart-counted-in-month = Compté dans le mois
chart-projection = Projection au rythme des { $months } derniers mois
chart-required = Requis pour { $target } (projection)
chart-none-recorded = { $line } : rien d’enregistré
chart-same-as = { $line } : identique à { $other }
chart-eur-bn = Md EUR

## Par mois, au regard du Kiel Tracker

months-heading = Par mois, au regard du tracker de Kiel
months-lead = Situation au { $as-of }. Nos chiffres sont comptés selon les règles de comptage publiques ; ceux de Kiel sont une série de référence placée à côté, jamais comptée parmi nos enregistrements.
kiel-heading = Au regard du tracker de Kiel
kiel-release = Série de référence, non issue de nos enregistrements : { $publisher }, { $release }, version { $number } publiée le { $date }, données jusqu’à { $period }. La série { $code } de Kiel est sa propre estimation des fonds PURL par mois en EUR (en Md EUR, ici arrondie au centime, au pair le plus proche) ; la nôtre est le montant compté selon nos règles dans le mois de chaque enregistrement. Écart = nous − Kiel. Les mois que la version ne couvre pas sont « non communiqués », jamais 0 ; les mois postérieurs à la date d’arrêt du registre sont « non enregistrés », jamais 0. Les raisons des écarts : docs/COUNTING.md.
kiel-synthetic = Ce journal contient un exercice fictif (enregistrements EX-*) : ses promesses d’exemple sont comptées ici parmi les nôtres, la comparaison avec Kiel n’est donc pas réelle.
kiel-chart-caption = Fonds PURL par mois en EUR (Md) : nos montants comptés au regard de la série nato_purl de Kiel (version { $number }).
kiel-chart-title = Fonds PURL par mois en EUR : nos montants comptés au regard de la version { $release } de Kiel
kiel-chart-ours = Nous : compté dans le mois
kiel-chart-kiel = Kiel : nato_purl
kiel-download = Télécharger :
kiel-download-months = (par mois) ;
kiel-download-per-gdp = (rapporté au PIB)
kiel-months-region = Par mois, au regard de Kiel
kiel-months-caption = Nos fonds PURL comptés par mois au regard de la série nato_purl de Kiel
kiel-col-ours = Nous : compté dans le mois (EUR)
kiel-col-kiel = Kiel, version { $number } : nato_purl (EUR)
kiel-col-difference = Écart, nous − Kiel (EUR)
kiel-not-reported = non communiqué
kiel-not-recorded = non enregistré
kiel-gdp-heading = Rapporté au PIB, de { $from } à { $to }
kiel-gdp-lead = Pour chaque pays que nous comptons seul (le reliquat d’un groupe conjoint n’appartient à aucun pays) : nos fonds PURL comptés jusqu’à la fin de { $to }, et l’aide militaire selon Kiel (toute l’aide, PURL compris) sur les mois de { $from } à { $to }, chacun en pourcentage du PIB du pays tel que Kiel le donne (en Md EUR, le dénominateur de Kiel). PURL n’étant qu’une partie de l’aide militaire, notre chiffre devrait être le plus faible.
kiel-gdp-region = Pourcentage du PIB
kiel-gdp-caption = Nos fonds PURL comptés rapportés au PIB, au regard de l’aide militaire selon Kiel rapportée au PIB
kiel-gdp-col-party = Partie
kiel-gdp-col-ours = Nous : PURL compté (EUR)
kiel-gdp-col-gdp = Kiel : PIB (Md EUR)
kiel-gdp-col-military = Kiel : aide militaire sur ces mois (EUR)
kiel-gdp-col-ours-percent = Nous : PURL, % du PIB
kiel-gdp-col-military-percent = Kiel : aide militaire, % du PIB
kiel-none = Aucune version du tracker de Kiel n’est chargée ({ $command }) : il n’y a rien à comparer.

## Contributeurs

contributors-lead = Situation au { $as-of }. Les montants sont comptés selon les règles de comptage publiques ; le reliquat d’un paquet conjoint figure sous son groupe. Le rapport au PIB utilise le PIB de 2021 publié par le Ukraine Support Tracker de l’Institut de Kiel. Cliquez sur un en-tête de colonne pour trier.
contributors-region = Contributeurs
contributors-caption-asc = Contributeurs, triés par { $column }, par ordre croissant
contributors-caption-desc = Contributeurs, triés par { $column }, par ordre décroissant
contributors-col-contributor = Contributeur
contributors-col-participation = Participation
contributors-col-counted-eur = Compté EUR
contributors-col-counted-usd = Compté USD
contributors-col-committed-eur = Engagé EUR
contributors-col-paid-eur = Versé EUR
contributors-col-share = Part du total
contributors-col-per-gdp = Rapporté au PIB
contributors-col-over-time = Évolution
contributors-joint-name = { $members } (conjoint)
contributors-spark-title = { $name } : EUR comptés dans le temps
contributors-records-title = Les enregistrements de { $name }, dont la somme donne ses chiffres
contributors-uncertain-title = Son total repose sur un enregistrement dont la source est incertaine
contributors-synthetic-title = Comprend des enregistrements de l’exercice fictif (EX-*)
contributors-lower-bound-title = Certains de ses enregistrements ne sont pas divulgués : ce montant est un minimum

## Enregistrements

records-heading = Le registre public
records-lead = Chaque promesse et chaque paquet conjoint enregistrés au { $as-of }, avec leur source et la raison pour laquelle ils comptent ou non.
records-filter-party = Partie
records-filter-kind = Type
records-filter-counts = Compte
records-filter-month = Mois
records-filter-any = tous
records-filter-submit = Filtrer
records-region = Enregistrements
records-count = { $count ->
        [one] { $number } enregistrement correspond.
       *[other] { $number } enregistrements correspondent.
    }
records-col-record = Enregistrement
records-col-counted-eur = Compté EUR
records-col-counted-usd = Compté USD
records-col-by = Par
records-col-amount = Montant
records-col-rate = Taux pour 1 EUR
records-col-kind = Type
records-col-status = Statut
records-col-counts = Compte ?
records-rate-of = du { $date }
records-to-the-group = au groupe
records-total = Total
records-lower-bound = Un minimum : certains de ces enregistrements comptent avec un montant non divulgué.
records-rule-2 = règle 2
records-total-all = Les chiffres comptés des lignes ci-dessus, additionnés : le total compté de la { $link } ({ $rule } : chaque enregistrement converti au taux de sa date, puis additionné).
records-total-party = Les chiffres comptés des lignes ci-dessus, additionnés : les chiffres de { $party } à la page { $link } ({ $rule } : chaque enregistrement converti au taux de sa date, puis additionné).

reason-later = Pas encore : daté après la date de situation
reason-superseded = Ne compte pas : remplacé par { $by } le { $date } (règle 1)
reason-withdrawn = Ne compte pas : retiré le { $date } (règle 1)
reason-apart = Compté à part : attend le déclencheur « { $trigger } » (règle 8)
reason-undisclosed = Compte pour le nombre de contributeurs ; le montant n’est pas divulgué (règle 4)
reason-remainder = Ne compte que pour son reliquat au-delà des promesses propres de ses membres (règle 3)
reason-remainder-package = Ne compte que pour son reliquat au-delà des promesses propres de ses membres pour le paquet { $package } (règle 3)
reason-remainder-left = Ne compte que pour son reliquat, au bénéfice de { $group } : son total, { $total }, moins les promesses propres de ses membres, laisse { $left } (règle 3)
reason-remainder-left-package = Ne compte que pour son reliquat, au bénéfice de { $group } : son total, { $total }, moins les promesses propres de ses membres pour le paquet { $package }, laisse { $left } (règle 3)
reason-member-share = Compte en totalité (règle 1) ; part d’un membre, déduite du total conjoint du paquet { $package } (règle 3)
reason-counts = Compte en totalité (règle 1)
reason-participation = Pas de fonds : un statut de participation (règle 5)
reason-target = Pas de fonds : un objectif de type { $kind }

## Paquets

packages-lead = En { $currency } : la chaîne de traitement au { $as-of } ; l’état, les fonds et l’historique de chaque paquet à la tête du journal (ils ne varient pas avec la date de situation).
packages-names-shown = Les noms et contenus des paquets sont affichés parce que vous êtes connecté.
packages-names-confidential = Les noms et contenus des paquets sont confidentiels ; les montants sont publics.
packages-pipeline = Chaîne de traitement
packages-col-state = État
packages-col-money = Fonds ({ $currency })
packages-col-mean-days = Durée moyenne dans l’état (jours)
packages-pipeline-total = Total (hors paquets annulés)
packages-each = Chaque paquet
packages-col-package = Paquet
packages-col-price = Prix
packages-col-committed = Engagé
packages-col-funding = Financement
packages-col-paid = Versé
packages-col-disbursed = Décaissé
packages-col-delivered = Livré
packages-col-timeline = Historique
packages-contents = Contenu
packages-paid-total = Versé au titre de ces paquets
packages-paid-overall = Total versé par les contributeurs (le chiffre « versé » de la vue d’ensemble) : { $paid }. Les fonds versés d’un paquet sont ce que les promesses qui lui sont affectées ont versé de leurs affectations (la plus ancienne affectation d’abord) ; les fonds versés et non encore affectés à un paquet restent dans le fonds commun : la colonne ne donne le chiffre de la vue d’ensemble que lorsque chaque versement est affecté.
packages-cancelled-heading = Paquets annulés
packages-none-cancelled = Aucun paquet n’est annulé.
packages-cancelled-lead = Présentés à part et exclus des totaux de la chaîne : une annulation rend au fonds commun les fonds affectés et non décaissés.
packages-named-heading = Paquets cités dans le registre public
packages-named-lead = Chaque paquet cité par un enregistrement, avec ce qu’en disent les enregistrements (qui, combien tel qu’annoncé, quand, la source), qu’un paquet de cet identifiant figure ou non dans le grand livre. La façon dont chaque enregistrement compte figure à la page { $records } ({ $rule } pour les paquets conjoints).
packages-rule-3 = règle 3
packages-named-region = Paquets cités dans le registre
packages-col-on-ledger = Dans le grand livre
packages-on-ledger = un paquet du grand livre ({ $state })
packages-not-on-ledger = cité dans le registre, aucun paquet dans le grand livre
package-funded = financé à { $percent }
package-no-price = pas encore de prix
package-bar-title = Paquet { $package } : { $coverage }
