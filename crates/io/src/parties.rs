//! The parties table: `party_id,name,kind,nato_member_since,default_role,gdp_2021_bn_eur,...`.

use tranche_core::auth::Role;
use tranche_core::domain::{parse_gdp, parse_member_since};
use tranche_core::{Command, CommandId, Envelope, Name, Party, PartyId, PartyKind, PartyRole};

use crate::table::{RowError, Table};

/// One `register-party` command per row, with command id `party:<ID>`.
pub fn parse(file: &str, text: &str) -> Result<Vec<Envelope>, RowError> {
    let table = Table::read(file, text, &["party_id", "name", "kind", "default_role", "gdp_2021_bn_eur"])?;
    let mut envelopes = Vec::new();
    for row in table.rows() {
        let id = row.parse("party_id", PartyId::parse)?;
        let name = row.parse("name", Name::parse)?;
        let gdp = match row.get("gdp_2021_bn_eur") {
            "" => None,
            _ => Some(row.parse("gdp_2021_bn_eur", parse_gdp)?),
        };
        let nato_member_since = match row.get("nato_member_since") {
            "" => None,
            _ => Some(row.parse("nato_member_since", parse_member_since)?),
        };
        let party = Party {
            id,
            name,
            kind: row.parse("kind", PartyKind::parse)?,
            role: row.parse("default_role", PartyRole::parse)?,
            gdp_2021_bn_eur: gdp,
            nato_member_since,
        };
        let command_id = CommandId::parse(&format!("party:{id}")).expect("party ids make valid command ids");
        envelopes.push(Envelope { command_id, actor: Role::Admin, command: Command::RegisterParty { party } });
    }
    Ok(envelopes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_shipped_parties() {
        let envelopes = super::parse("parties.csv", crate::shipped::PARTIES_CSV).unwrap();
        assert_eq!(envelopes.len(), 36);
        assert_eq!(envelopes[0].command_id.as_str(), "party:ALB");
    }

    #[test]
    fn bad_party_rows_are_named() {
        let header = "party_id,name,kind,nato_member_since,default_role,gdp_2021_bn_eur,gdp_source\n";
        let check = |row: &str, expect: &str| {
            let text = format!("{header}{row}\n");
            assert_eq!(super::parse("p.csv", &text).unwrap_err().to_string(), expect);
        };
        check(
            "nl,Netherlands,state,1949,contributor,1,",
            "p.csv:2: column party_id: party \"nl\" is not a party id (3 to 8 capital letters, ISO 3166-1 alpha-3 for states)",
        );
        check(
            "NLD,Netherlands,country,1949,contributor,1,",
            "p.csv:2: column kind: party kind \"country\" is not one of: state, organisation",
        );
        check(
            "NLD,Netherlands,state,1848,contributor,1,",
            "p.csv:2: column nato_member_since: nato_member_since \"1848\" is not a year from 1949 to 2199",
        );
        check("NLD,Netherlands,state,1949,contributor,-1,", "p.csv:2: column gdp_2021_bn_eur: gdp \"-1\" is negative");
    }
}
